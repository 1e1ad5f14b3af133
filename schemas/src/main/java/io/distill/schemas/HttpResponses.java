package io.distill.schemas;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The text answers of the services' small HTTP endpoints (JDK {@code com.sun.net.httpserver}, so no dependency):
 * here because the trainer and the teacher both serve {@code /healthz} and {@code /metrics} and share this module.
 */
public final class HttpResponses {
    private HttpResponses() {}

    /**
     * Sends {@code body} as UTF-8 with a status; a HEAD request gets the headers only.
     *
     * @param contentType the whole header value, charset included, e.g. {@code text/plain; charset=utf-8}
     */
    public static void sendText(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
