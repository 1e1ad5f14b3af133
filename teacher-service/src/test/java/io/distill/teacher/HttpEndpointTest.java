package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schemas.ServiceMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HttpEndpointTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void healthzFollowsReadinessAndMetricsIsPrometheusText() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        try (HttpEndpoint http = HttpEndpoint.start(
                0,
                () -> new HttpEndpoint.Health(ready.get(), ready.get() ? "streams RUNNING" : "loading the model"),
                () -> "# HELP x_total An x.\n# TYPE x_total counter\nx_total 3\n")) {
            HttpResponse<String> notYet = get(http.port(), "/healthz");
            assertEquals(503, notYet.statusCode());
            assertEquals("loading the model\n", notYet.body());
            assertEquals(503, get(http.port(), "/healthz/ready").statusCode());
            assertEquals(200, get(http.port(), "/healthz/live").statusCode()); // alive while not ready yet

            ready.set(true);
            assertEquals(200, get(http.port(), "/healthz").statusCode());
            assertEquals(200, get(http.port(), "/healthz/ready").statusCode());

            HttpResponse<String> metrics = get(http.port(), "/metrics");
            assertEquals(200, metrics.statusCode());
            assertEquals(
                    ServiceMetrics.CONTENT_TYPE,
                    metrics.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("# HELP x_total An x.\n# TYPE x_total counter\nx_total 3\n", metrics.body());
        }
    }

    /** Issue 11 item 12: this machine only unless widened; the service options default to loopback too. */
    @Test
    // The bound address is what decides who can connect; the tests connect to loopback only, never to this
    // machine's other addresses.
    void bindsLoopbackByDefaultAndEveryInterfaceOnlyWhenAsked() throws Exception {
        var options = new TeacherService.Options("app", TeacherDriver.config().build(), new java.util.Properties(), 0);
        assertEquals("127.0.0.1", options.httpHost());
        try (HttpEndpoint local = HttpEndpoint.start(0, () -> new HttpEndpoint.Health(true, "ok"), () -> "");
                HttpEndpoint wide =
                        HttpEndpoint.start("0.0.0.0", 0, () -> new HttpEndpoint.Health(true, "ok"), () -> "")) {
            assertTrue(
                    local.address().getAddress().isLoopbackAddress(),
                    local.address().toString());
            assertTrue(
                    wide.address().getAddress().isAnyLocalAddress(),
                    wide.address().toString());
            assertEquals(200, get(local.port(), "/healthz").statusCode());
        }
    }

    @Test
    void aTakenPortIsAOneLineError() {
        try (HttpEndpoint first = HttpEndpoint.start(0, () -> new HttpEndpoint.Health(true, "ok"), () -> "")) {
            var e = assertThrows(
                    IllegalStateException.class,
                    () -> HttpEndpoint.start(first.port(), () -> new HttpEndpoint.Health(true, "ok"), () -> ""));
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
