package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.lm.codec.Codec;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/** The shared options: each command's own defaults, flags and DISTILL_* variables over them, bad values refused. */
class OptionMixinsTest {
    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Mixin
        OptimizerOptions optimizer = new OptimizerOptions(2e-4f, 7, 3, 42);

        @Mixin
        PrecisionOption precision = new PrecisionOption("fp32");

        @Mixin
        TeacherSignalOptions signal;

        @Override
        public void run() {}
    }

    private static Probe parse(Map<String, String> environment, String... args) {
        Probe probe = new Probe();
        new CommandLine(probe)
                .setDefaultValueProvider(new EnvironmentDefaults(environment))
                .parseArgs(args);
        return probe;
    }

    @Test
    void theCommandsDefaultsHoldWithoutFlags() {
        Probe p = parse(Map.of());
        assertEquals(2e-4f, p.optimizer.learningRate);
        assertEquals(7, p.optimizer.warmup);
        assertEquals(3, p.optimizer.batch);
        assertEquals(42L, p.optimizer.seed);
        assertEquals("fp32", p.precision.flag);
        assertEquals(Codec.parse("topk:32"), p.signal.codec);
        assertEquals(2.0f, p.signal.temperature.value);
    }

    @Test
    void flagsWinOverTheEnvironmentWhichWinsOverTheDefaults() {
        Map<String, String> env = Map.of("DISTILL_LR", "5e-3", "DISTILL_WARMUP", "11", "DISTILL_TEMPERATURE", "1.5");
        Probe fromEnv = parse(env);
        assertEquals(5e-3f, fromEnv.optimizer.learningRate);
        assertEquals(11, fromEnv.optimizer.warmup);
        assertEquals(1.5f, fromEnv.signal.temperature.value);
        Probe flags = parse(
                env,
                "--lr",
                "1e-2",
                "--warmup",
                "0",
                "--batch",
                "16",
                "--seed",
                "9",
                "--precision",
                "bf16",
                "--codec",
                "sampled:12",
                "--temperature",
                "3");
        assertEquals(1e-2f, flags.optimizer.learningRate);
        assertEquals(0, flags.optimizer.warmup);
        assertEquals(16, flags.optimizer.batch);
        assertEquals(9L, flags.optimizer.seed);
        assertEquals("bf16", flags.precision.flag);
        assertEquals(Codec.parse("sampled:12"), flags.signal.codec);
        assertEquals(3f, flags.signal.temperature.value);
    }

    @Test
    void badTemperaturesAndCodecsAreRefusedWhileParsing() {
        for (String t : new String[] {"0", "-1", "NaN", "Infinity", "warm"}) {
            ParameterException e = assertThrows(ParameterException.class, () -> parse(Map.of(), "--temperature", t));
            assertTrue(e.getMessage().contains("--temperature"), e.getMessage());
        }
        assertThrows(ParameterException.class, () -> parse(Map.of(), "--codec", "dense"));
    }

    @Test
    void anUnknownPrecisionIsOneLineWhenResolved() {
        CliException e = assertThrows(
                CliException.class,
                () -> parse(Map.of(), "--precision", "fp8").precision.resolve());
        assertTrue(e.getMessage().startsWith("--precision: "), e.getMessage());
    }

    /** Each command keeps the defaults it had before the options were shared, and says them in its help. */
    @Test
    void everyCommandShowsItsOwnDefaults() {
        assertHelpShows("pretrain", "--warmup=STEPS", "(default: 50)");
        assertHelpShows("train", "--warmup=STEPS", "(default: 100)");
        assertHelpShows("bench quality", "--warmup=STEPS", "(default: 100)");
        for (String command : new String[] {"pretrain", "train", "bench quality"}) {
            assertHelpShows(command, "--lr=RATE", "(default: 0.001)");
            assertHelpShows(command, "--batch=N", "(default: 8)");
            assertHelpShows(command, "--seed=N", "(default: 1)");
        }
        for (String command : new String[] {"pretrain", "train", "teacher", "bench quality"}) {
            assertHelpShows(command, "--precision=fp32|bf16|fp16|auto", "(default: auto)");
        }
        assertHelpShows("bench teacher", "--precision=fp32|bf16|fp16|auto", "(default: fp32)");
        assertHelpShows("bench trainer", "--precision=fp32|bf16|fp16|auto", "(default: fp32)");
        assertHelpShows("bench forward", "--precision=fp32|bf16|fp16|auto", "(default: bf16)");
        assertHelpShows("teacher", "--codec=topk:K|sampled:N", "(default: topk:32)");
        assertHelpShows("bench", "--steps=N", "(default: 10)");
        assertHelpShows("bench", "--warmup=N", "(default: 3)");
        assertHelpShows("bench trainer", "--steps=N", "(default: 30)");
        assertHelpShows("bench trainer", "--warmup=N", "(default: 3)");
        assertHelpShows("bench forward", "--steps=N", "(default: 10)");
        assertHelpShows("bench forward", "--warmup=N", "(default: 2)");
        for (String command : new String[] {"teacher", "bench teacher", "bench quality"}) {
            assertHelpShows(command, "--temperature=T", "(default: 2.0)");
        }
    }

    private static void assertHelpShows(String command, String option, String text) {
        String[] args = (command + " --help").split(" ");
        CliRun run = CliRun.of(args);
        assertEquals(0, run.exitCode(), command);
        String help = run.out().replaceAll("\\s+", " ");
        int at = help.lastIndexOf(option + " "); // the options list, after the synopsis
        assertTrue(at >= 0, command + " has no " + option + ": " + run.out());
        int next = help.indexOf(" --", at + option.length());
        String described = help.substring(at, next < 0 ? help.length() : next);
        assertTrue(described.contains(text), command + " " + option + " should say " + text + ": " + described);
    }
}
