package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `distill broker` as a user runs it: the packaged jar in its own process, READY on stdout, SIGTERM to stop, and a
 * restart on the same data dir that still has the records.
 */
class BrokerCommandIT {
    private static final Path JAR = Path.of("target", "distill.jar");
    /** The JVM running this test, so the child runs on the same Java. */
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    @Test
    void servesStopsOnSigtermAndKeepsDataAcrossRestart(@TempDir Path dir) throws Exception {
        int port = unusedPort();
        Path dataDir = dir.resolve("kafka");
        Path text = Files.writeString(dir.resolve("t.txt"), "one\ntwo\nthree\n", StandardCharsets.UTF_8);
        String bootstrap;

        Process first = startBroker(port, dataDir);
        try {
            bootstrap = awaitReady(first);
            assertEquals("127.0.0.1:" + port, bootstrap);
            CliRun feed = CliRun.of("feed", "--bootstrap", bootstrap, text.toString());
            assertEquals(0, feed.exitCode(), feed.err());
        } finally {
            first.destroy(); // SIGTERM
        }
        assertTrue(first.waitFor(60, TimeUnit.SECONDS), "broker did not stop on SIGTERM");
        assertEquals(143, first.exitValue(), "exit code after SIGTERM with clean shutdown hooks");

        Process second = startBroker(port, dataDir);
        try {
            assertEquals(bootstrap, awaitReady(second));
            var records = TopicReader.read(bootstrap, "distill.text", 3, Duration.ofSeconds(30));
            assertEquals(3, records.size());
        } finally {
            second.destroy();
            second.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTakenPortIsOneLineAndNonZeroExit(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            Process process = new ProcessBuilder(
                            "java",
                            "-jar",
                            JAR.toString(),
                            "broker",
                            "--port",
                            Integer.toString(taken.getLocalPort()),
                            "--data-dir",
                            dir.toString())
                    .start();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(CliException.FAILED, process.exitValue(), err);
            List<String> lines = err.strip().lines().toList();
            assertEquals(1, lines.size(), err);
            assertTrue(lines.get(0).contains("already in use; pick another with --port"), err);
        }
    }

    private static Process startBroker(int port, Path dataDir) throws IOException {
        assertTrue(Files.exists(JAR), "run `mvn package` first: " + JAR.toAbsolutePath());
        return new ProcessBuilder(
                        "java",
                        "-Xmx512m",
                        "-jar",
                        JAR.toString(),
                        "broker",
                        "--port",
                        Integer.toString(port),
                        "--data-dir",
                        dataDir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** Waits for the READY line and returns its bootstrap address. */
    private static String awaitReady(Process broker) throws Exception {
        var reader = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.startsWith("READY ")) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String line = ready.get(90, TimeUnit.SECONDS);
        assertNotNull(line, "broker exited without READY");
        String bootstrap = line.split(" ")[1];
        assertTrue(bootstrap.startsWith("bootstrap="), line);
        return bootstrap.substring("bootstrap=".length());
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
