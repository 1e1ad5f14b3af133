package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientSettingsTest {

    @Test
    void environmentVariablesBecomeClientSettings() {
        Properties props = KafkaClientSettings.load(
                "b:9092",
                null,
                Map.of(
                        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "KAFKA_SASL_MECHANISM", "PLAIN",
                        "KAFKA_HEAP_OPTS", "-Xmx1g",
                        "PATH", "/usr/bin"));

        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals("PLAIN", props.get("sasl.mechanism"));
        assertEquals("b:9092", props.get("bootstrap.servers"));
        assertFalse(props.containsKey("heap.opts"));
        assertEquals(3, props.size());
    }

    @Test
    void fileThenEnvironmentThenBootstrap(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SSL\nssl.truststore.location=/t.jks\nbootstrap.servers=ignored:1\n");

        Properties props = KafkaClientSettings.load("b:9092", file, Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"));

        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals("/t.jks", props.get("ssl.truststore.location"));
        assertEquals("b:9092", props.get("bootstrap.servers"));
    }

    @Test
    void missingFileIsAOneLineError(@TempDir Path dir) {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> KafkaClientSettings.load("b:9092", dir.resolve("nope.properties"), Map.of()));
        assertTrue(e.getMessage().contains("nope.properties"));
        assertFalse(e.getMessage().contains("\n"));
    }
}
