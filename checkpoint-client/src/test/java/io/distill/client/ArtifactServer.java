package io.distill.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A real HTTP server on 127.0.0.1 for tests: one handler answers every GET, and each request's arrival is kept. */
final class ArtifactServer implements AutoCloseable {
    /** What the server does with a request. */
    interface Handler {
        void handle(HttpExchange exchange, int request) throws IOException;
    }

    private final HttpServer server;
    private final List<Long> requestNanos = new CopyOnWriteArrayList<>();

    ArtifactServer(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            requestNanos.add(System.nanoTime());
            try (exchange) {
                handler.handle(exchange, requestNanos.size());
            } catch (IOException e) {
                // the client hung up, as it should on a body it refuses
            }
        });
        server.start();
    }

    String uri(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    List<Long> requestNanos() {
        return requestNanos;
    }

    /** Answers with {@code bytes} and status 200. */
    static void send(HttpExchange exchange, byte[] bytes) throws IOException {
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
