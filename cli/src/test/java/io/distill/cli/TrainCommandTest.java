package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.lm.artifact.WeightFormat;
import io.distill.lm.model.LmConfig;
import io.distill.lm.train.Divergence;
import io.distill.trainer.OnPolicy;
import io.distill.trainer.TeacherWeights;
import io.distill.trainer.TrainerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `distill train` and `distill checkpoints` options, without a broker. */
class TrainCommandTest {

    @Test
    void trainAndCheckpointsHaveHelpWithExamples() {
        for (String command : new String[] {"train", "checkpoints"}) {
            CliRun run = CliRun.of(command, "--help");
            assertEquals(0, run.exitCode(), command);
            assertTrue(run.out().contains("Examples:"), command + ": " + run.out());
            assertTrue(run.out().contains("distill " + command), command + ": " + run.out());
        }
        CliRun checkpoints = CliRun.of("checkpoints", "--help");
        for (String sub : new String[] {"list", "pull", "follow"}) {
            assertTrue(checkpoints.out().contains(sub), checkpoints.out());
        }
    }

    @Test
    void everyTrainOptionHasADefault() {
        TrainerConfig c = parse(Map.of());
        assertEquals("student", c.student());
        assertEquals("distill-student-student", c.groupId());
        assertEquals(LmConfig.named("student-1m"), c.model());
        assertEquals(0.9f, c.alpha());
        assertEquals(Divergence.FORWARD_KL, c.loss());
        assertEquals(500, c.checkpointEverySteps());
        assertEquals(Duration.ofSeconds(300), c.checkpointEvery());
        assertEquals(3, c.keep());
        assertEquals(WeightFormat.FP16, c.publishFormat());
        assertTrue(c.publishMaxRegressionPercent().isEmpty());
        assertEquals(8081, c.httpPort());
        assertEquals(1.0, c.holdoutPercent());
        assertEquals(TrainerConfig.OnTokenizerMismatch.FAIL, c.tokenizerMismatch());
        assertEquals(Path.of("distill-data/checkpoints"), c.checkpointDir());
        assertEquals("localhost:9092", c.kafka().get("bootstrap.servers"));
    }

    /** Issue 11 item 9: a retention gap stops the trainer unless --allow-gaps. */
    @Test
    void retentionGapsAreRefusedByDefaultAndAllowedWithTheFlag() {
        assertFalse(parse(Map.of()).allowGaps());
        assertTrue(parse(Map.of(), "--allow-gaps").allowGaps());
    }

    /** Issue 11 item 12: the server binds loopback unless widened; URLs name a host clients can reach. */
    @Test
    void httpBindsLoopbackByDefaultAndAnnouncesAReachableHost() {
        TrainerConfig defaults = parse(Map.of());
        assertEquals("127.0.0.1", defaults.httpBind());
        assertEquals("localhost", defaults.httpHost());
        TrainerConfig wide = parse(Map.of("DISTILL_HTTP_HOST", "0.0.0.0"));
        assertEquals("0.0.0.0", wide.httpBind());
        assertEquals("localhost", wide.httpHost());
        TrainerConfig named =
                parse(Map.of(), "--http-host", "0.0.0.0", "--advertised-url", "http://trainer.example:8081");
        assertEquals("http://trainer.example:8081", named.advertisedBase(8081));
        assertEquals("10.1.2.3", parse(Map.of(), "--http-host", "10.1.2.3").httpHost());
    }

    @Test
    void trainOptionsComeFromDistillVariablesAndFlagsWin() {
        TrainerConfig c = parse(
                Map.of(
                        "DISTILL_STUDENT", "envy",
                        "DISTILL_SIZE", "tiny",
                        "DISTILL_CHECKPOINT_EVERY_STEPS", "7",
                        "DISTILL_PUBLISH_FORMAT", "int8",
                        "DISTILL_PUBLISH_MAX_REGRESSION_PERCENT", "2.5",
                        "DISTILL_HOLDOUT_PERCENT", "3",
                        "DISTILL_ON_TOKENIZER_MISMATCH", "dead-letter",
                        "DISTILL_LOSS", "reverse-kl",
                        "DISTILL_BOOTSTRAP", "kafka:29092"),
                "--student",
                "flagged");
        assertEquals("flagged", c.student());
        assertEquals(LmConfig.named("tiny"), c.model());
        assertEquals(7, c.checkpointEverySteps());
        assertEquals(WeightFormat.INT8, c.publishFormat());
        assertEquals(2.5, c.publishMaxRegressionPercent().getAsDouble());
        assertEquals(3.0, c.holdoutPercent());
        assertEquals(TrainerConfig.OnTokenizerMismatch.DEAD_LETTER, c.tokenizerMismatch());
        assertEquals("kafka:29092", c.kafka().get("bootstrap.servers"));
        assertEquals(new Divergence.ReverseKl(), c.loss());
    }

    @Test
    void lossSelectsTheDivergence() {
        assertEquals(
                new Divergence.Jsd(0.5f), parse(Map.of(), "--loss", "jsd:0.5").loss());
        assertEquals(
                new Divergence.SkewKl(0.1f),
                parse(Map.of(), "--loss", "skew-kl:0.1").loss());
        assertEquals(
                new Divergence.ReverseKl(),
                parse(Map.of(), "--loss", "reverse-kl").loss());
        assertEquals(
                Divergence.FORWARD_KL, parse(Map.of(), "--loss", "forward-kl").loss());
    }

    @Test
    void onPolicyIsOffByDefaultAndItsOptionsBuildTheSettings() {
        assertTrue(parse(Map.of()).onPolicy().isEmpty());
        OnPolicy p = parse(
                        Map.of("DISTILL_MAX_POLICY_LAG", "3"),
                        "--on-policy",
                        "0.5",
                        "--sample-tokens",
                        "32",
                        "--sample-temperature",
                        "0.7")
                .onPolicy()
                .orElseThrow();
        assertEquals(new OnPolicy(0.5, 32, 0.7f, 3, "distill.text"), p);
    }

    @Test
    void teachersNameTheMixtureWithWeightsRenormalised() {
        assertTrue(parse(Map.of()).teachers().isEmpty());
        TeacherWeights t = parse(Map.of(), "--teachers", "gpt2-tiny=1,llama-tiny=3")
                .teachers()
                .orElseThrow();
        assertEquals(Map.of("gpt2-tiny", 0.25, "llama-tiny", 0.75), t.weights());
    }

    @Test
    void badValuesAreOneLineBeforeAnyNetworkWork() {
        for (String[] args : new String[][] {
            {"train", "--publish-format", "fp8"},
            {"train", "--student", "../etc"},
            {"train", "--size", "huge"},
            {"train", "--on-tokenizer-mismatch", "ignore"},
            {"train", "--holdout-percent", "120"},
            {"train", "--loss", "kl"},
            {"train", "--loss", "jsd"},
            {"train", "--loss", "jsd:2"},
            {"train", "--loss", "skew-kl:1"},
            {"train", "--layers", "0,2"},
            {"train", "--on-policy", "1"},
            {"train", "--teachers", "a=0.5"},
            {"train", "--teachers", "a=0.5,b=-1"},
            {"train", "--teachers", "a=0.5,b"},
            {"train", "--on-policy", "0.5", "--sample-tokens", "0"},
            {"train", "--on-policy", "0.5", "--max-policy-lag", "-1"},
            {"train", "--on-policy", "0.5", "--sample-temperature", "-1"},
            {"train", "--init-from-teacher", "/no/such/dir"},
            {"train", "--init-from-teacher", ".", "--student-config", "config.json"},
            {"train", "--student-config", "/no/such/config.json"},
            {"export", "--model", "/no/such/dir", "--out", "x"},
            {"export", "--model", ".", "--format", "gguf", "--out", "x"},
            {"checkpoints", "pull", "--format", "gguf"},
        }) {
            CliRun run = CliRun.of(args);
            assertEquals(CliException.BAD_INPUT, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertEquals(1, run.errLines().length, run.err());
        }
    }

    private static TrainerConfig parse(Map<String, String> env, String... flags) {
        CommandLine cl = Distill.commandLine(env);
        String[] args = new String[flags.length + 1];
        args[0] = "train";
        System.arraycopy(flags, 0, args, 1, flags.length);
        cl.parseArgs(args);
        TrainCommand train = cl.getSubcommands().get("train").getCommand();
        return train.config();
    }
}
