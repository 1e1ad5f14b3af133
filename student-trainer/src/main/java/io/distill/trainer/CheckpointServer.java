package io.distill.trainer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.distill.schemas.HttpResponses;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's HTTP endpoints (JDK {@code com.sun.net.httpserver}, GET only):
 *
 * <pre>
 * /checkpoints/{student}/{version}   the published artifact (zip), e.g. /checkpoints/alice/1200
 * /checkpoints/{student}/latest      the newest published artifact of the student
 * /healthz, /healthz/ready           200 "ok" while the training loop runs, 503 otherwise
 * /healthz/live                      200 while the process serves at all (loading or resuming included)
 * /metrics                           Prometheus text
 * /status                            JSON: step, tokens, losses, loss scale, consumer lag, ...
 * </pre>
 *
 * Artifact names are checked before any file is touched: each path segment must be {@code [A-Za-z0-9._-]+} (not
 * {@code .} or {@code ..}) after decoding, and the file must resolve inside the published directory.
 */
final class CheckpointServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Path publishedRoot;
    private final TrainerMetrics metrics;

    /** Binds {@code port} on {@link TrainerConfig#LOOPBACK} (0 for any free port) and starts serving. */
    CheckpointServer(Path publishedRoot, int port, TrainerMetrics metrics) throws IOException {
        this(publishedRoot, TrainerConfig.LOOPBACK, port, metrics);
    }

    /** Binds {@code port} on {@code host} ({@code 0.0.0.0}: every interface) and starts serving. */
    CheckpointServer(Path publishedRoot, String host, int port, TrainerMetrics metrics) throws IOException {
        this.publishedRoot = publishedRoot.toAbsolutePath().normalize();
        this.metrics = metrics;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "checkpoint-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")
                    && !exchange.getRequestMethod().equals("HEAD")) {
                text(exchange, 405, "only GET\n", "text/plain");
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            switch (path) {
                case "/healthz/live" -> text(exchange, 200, "alive\n", "text/plain");
                case "/healthz", "/healthz/ready" ->
                    text(
                            exchange,
                            metrics.isRunning() ? 200 : 503,
                            metrics.isRunning() ? "ok\n" : "stopped\n",
                            "text/plain");
                case "/metrics" -> text(exchange, 200, metrics.prometheus(), "text/plain; version=0.0.4");
                case "/status" -> text(exchange, 200, metrics.statusJson() + "\n", "application/json");
                default -> {
                    if (path.startsWith("/checkpoints/")) {
                        artifact(exchange, path);
                    } else {
                        text(exchange, 404, "not found\n", "text/plain");
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("HTTP {} failed: {}", exchange.getRequestURI(), e.toString());
        }
    }

    private void artifact(HttpExchange exchange, String rawPath) throws IOException {
        Lookup lookup = resolve(publishedRoot, rawPath);
        if (lookup.status() != 200) {
            text(exchange, lookup.status(), lookup.message() + "\n", "text/plain");
            return;
        }
        Path file = lookup.file().orElseThrow();
        long size = Files.size(file);
        exchange.getResponseHeaders().set("Content-Type", "application/zip");
        String name = file.getFileName().toString();
        exchange.getResponseHeaders()
                .set("X-Checkpoint-Version", name.substring(0, name.length() - Publisher.SUFFIX.length()));
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(200, head ? -1 : size);
        if (!head) {
            long start = System.nanoTime();
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
            metrics.served(System.nanoTime() - start);
        }
    }

    /** Where a request for an artifact leads: a file (200), or a status and a message. */
    record Lookup(int status, String message, Optional<Path> file) {}

    /**
     * Resolves {@code /checkpoints/{student}/{version|latest}} (the raw, still percent-encoded path) to a published
     * file, refusing anything that is not two safe names or that would leave {@code root}.
     */
    static Lookup resolve(Path root, String rawPath) throws IOException {
        String[] parts = rawPath.split("/", -1);
        // "", "checkpoints", student, version
        if (parts.length != 4 || !parts[0].isEmpty() || !parts[1].equals("checkpoints")) {
            return new Lookup(404, "expected /checkpoints/{student}/{version|latest}", Optional.empty());
        }
        String student;
        String version;
        try {
            student = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
            version = URLDecoder.decode(parts[3], StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new Lookup(400, "bad percent-encoding", Optional.empty());
        }
        if (!isSafe(student) || !isSafe(version)) {
            return new Lookup(400, "student and version must be [A-Za-z0-9._-] names", Optional.empty());
        }
        Path base = root.toAbsolutePath().normalize();
        Path dir = base.resolve(student).normalize();
        if (!dir.getParent().equals(base)) {
            return new Lookup(400, "bad student name", Optional.empty());
        }
        Optional<Path> file = version.equals("latest")
                ? Publisher.latestArtifact(dir)
                : Optional.of(dir.resolve(version + Publisher.SUFFIX).normalize());
        if (file.isEmpty()
                || !file.get().getParent().equals(dir)
                || !Files.isRegularFile(file.get(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return new Lookup(404, "no published checkpoint " + student + "/" + version, Optional.empty());
        }
        return new Lookup(200, "ok", file);
    }

    private static boolean isSafe(String name) {
        return TrainerConfig.SAFE_NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    private static void text(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        HttpResponses.sendText(exchange, status, contentType + "; charset=utf-8", body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
