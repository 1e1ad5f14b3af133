package io.distill.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/** Reads the demo's services the way an operator would: the trainer's /status JSON and the teacher's /metrics. */
final class ServiceProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The trainer's /status, or empty while it is not answering yet. */
    Optional<JsonNode> trainerStatus(int port) {
        return get(port, "/status").flatMap(body -> {
            try {
                return Optional.of(JSON.readTree(body));
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    /** One unlabelled sample of a Prometheus text page, e.g. distill_teacher_tokens_per_second. */
    OptionalDouble teacherMetric(int port, String name) {
        Optional<String> page = get(port, "/metrics");
        if (page.isEmpty()) {
            return OptionalDouble.empty();
        }
        for (String line : page.get().split("\n")) {
            if (line.startsWith(name + " ")) {
                return OptionalDouble.of(
                        Double.parseDouble(line.substring(name.length() + 1).trim()));
            }
        }
        return OptionalDouble.empty();
    }

    /** Whether a service's /healthz answers 200. */
    boolean healthy(int port) {
        return get(port, "/healthz").isPresent();
    }

    private Optional<String> get(int port, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(3))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
