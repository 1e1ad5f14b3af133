package io.distill.teacher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.distill.schemas.HttpResponses;
import io.distill.schemas.ServiceMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /healthz} and {@code GET /metrics} over plain HTTP, on the JDK's built-in server (one thread, no
 * dependency). {@code /healthz} and {@code /healthz/ready} answer 200 when ready and 503 otherwise, with a one-line
 * reason either way; {@code /healthz/live} answers 200 while the process serves at all, so an orchestrator restarts a
 * wedged process but not one that is only rebalancing or loading its model.
 */
public final class HttpEndpoint implements AutoCloseable {

    /** Whether the service is ready, and why (or why not). */
    public record Health(boolean ready, String detail) {}

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code port} on {@link TeacherService.Options#LOOPBACK}: this machine only. */
    public static HttpEndpoint start(int port, Supplier<Health> health, Supplier<String> metrics) {
        return start(TeacherService.Options.LOOPBACK, port, health, metrics);
    }

    /**
     * @param host the address to bind: {@code 127.0.0.1} (the default of the services) serves this machine only,
     *     {@code 0.0.0.0} every interface
     * @param port the port, or 0 for a free one
     * @throws IllegalStateException when the port is taken
     */
    public static HttpEndpoint start(String host, int port, Supplier<Health> health, Supplier<String> metrics) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (BindException e) {
            throw new IllegalStateException("HTTP port " + port + " is already in use", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open HTTP port " + port, e);
        }
        HttpHandler ready = exchange -> {
            Health h = health.get();
            respond(exchange, h.ready() ? 200 : 503, "text/plain; charset=utf-8", h.detail() + "\n");
        };
        server.createContext("/healthz", ready);
        server.createContext("/healthz/ready", ready);
        server.createContext(
                "/healthz/live", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "alive\n"));
        server.createContext(
                "/metrics", exchange -> respond(exchange, 200, ServiceMetrics.CONTENT_TYPE, metrics.get()));
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "teacher-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.start();
        return new HttpEndpoint(server, executor);
    }

    /** The address bound. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")
                    && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            HttpResponses.sendText(exchange, status, contentType, body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
