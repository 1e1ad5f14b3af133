package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's help and its answers to bad input; none of this needs a broker. */
class DistillCommandTest {

    @Test
    void helpNamesTheCommandsAndHowToConfigure() {
        CliRun run = CliRun.of("--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("broker"), run.out());
        assertTrue(run.out().contains("feed"), run.out());
        assertTrue(run.out().contains("DISTILL_BOOTSTRAP"), run.out());
    }

    @Test
    void everySubcommandHasHelpWithExamples() {
        for (String command : new String[] {"broker", "feed"}) {
            CliRun run = CliRun.of(command, "--help");
            assertEquals(0, run.exitCode(), command);
            assertTrue(run.out().contains("Examples:"), command + ": " + run.out());
            assertTrue(run.out().contains("distill " + command), command + ": " + run.out());
        }
    }

    @Test
    void anUnknownFlagIsOneLineAndExitCodeTwo() {
        CliRun run = CliRun.of("feed", "--bogus", "x.txt");

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("--bogus"), run.err());
        assertTrue(run.err().contains("distill feed --help"), run.err());
    }

    @Test
    void aBadSplitModeIsOneLine() {
        CliRun run = CliRun.of("feed", "--split", "words", "x.txt");

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("'words' is not one of lines, paragraphs, file"), run.err());
    }

    @Test
    void aMissingFileIsOneLineBeforeAnyNetworkWork() {
        CliRun run = CliRun.of("feed", "--bootstrap", "127.0.0.1:1", "no-such-file.txt");

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("no such file: no-such-file.txt"), run.err());
    }

    @Test
    void anUnreachableBrokerFailsWithinTheTimeoutInOneLine(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("a.txt"), "hello\n", StandardCharsets.UTF_8);
        String nobody = "127.0.0.1:" + unusedPort();

        long start = System.nanoTime();
        CliRun run = CliRun.of("feed", "--bootstrap", nobody, "--timeout", "2s", file.toString());
        double seconds = (System.nanoTime() - start) / 1e9;

        assertEquals(CliException.UNREACHABLE, run.exitCode());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("cannot reach Kafka at " + nobody), run.err());
        assertTrue(seconds < 30, "gave up after " + seconds + " s; the timeout was 2 s");
    }

    @Test
    void aBadDurationIsOneLine() {
        CliRun run = CliRun.of("feed", "--timeout", "soon", "x.txt");

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("'soon' is not a duration"), run.err());
    }

    @Test
    void optionsComeFromTheEnvironmentAndFlagsWin() {
        var fromEnv = CliRun.of(Map.of("DISTILL_TIMEOUT", "later"), "feed", "x.txt");
        assertEquals(CliException.BAD_INPUT, fromEnv.exitCode());
        assertTrue(fromEnv.err().contains("'later' is not a duration"), fromEnv.err());

        var flagWins = CliRun.of(Map.of("DISTILL_TIMEOUT", "later"), "feed", "--timeout", "1s", "no-file.txt");
        assertTrue(flagWins.err().contains("no such file"), flagWins.err());
    }

    @Test
    void aMissingKafkaConfigFileIsOneLine(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("a.txt"), "hello\n", StandardCharsets.UTF_8);

        CliRun run = CliRun.of(
                "feed", "--kafka-config", dir.resolve("client.properties").toString(), file.toString());

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("client.properties"), run.err());
    }

    @Test
    void anOutOfRangePortIsOneLine() {
        CliRun run = CliRun.of("broker", "--port", "70000");

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
