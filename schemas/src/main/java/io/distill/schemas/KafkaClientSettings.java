package io.distill.schemas;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Kafka client settings that pass through to every producer, consumer, admin and Streams client: security (SASL,
 * TLS) and anything else a cluster needs. They come from an optional properties file and from {@code KAFKA_*}
 * environment variables ({@code KAFKA_SASL_MECHANISM=PLAIN} becomes {@code sasl.mechanism=PLAIN}); the environment
 * wins over the file, and both lose to the bootstrap address given on the command line.
 */
public final class KafkaClientSettings {
    /** Variables of Kafka's own launch scripts, not client settings. */
    private static final Set<String> NOT_CLIENT_SETTINGS = Set.of(
            "KAFKA_HEAP_OPTS",
            "KAFKA_OPTS",
            "KAFKA_JVM_PERFORMANCE_OPTS",
            "KAFKA_LOG4J_OPTS",
            "KAFKA_JMX_OPTS",
            "KAFKA_DEBUG");

    private KafkaClientSettings() {}

    /**
     * @param bootstrap the bootstrap servers, which win over the file and the environment; or null to keep theirs
     * @param configFile a properties file, or null
     * @param environment usually {@code System.getenv()}
     * @throws IllegalArgumentException when the file cannot be read, with a one-line message
     */
    public static Properties load(String bootstrap, Path configFile, Map<String, String> environment) {
        Properties props = new Properties();
        if (configFile != null) {
            props.putAll(readFile(configFile));
        }
        props.putAll(fromEnvironment(environment));
        if (bootstrap != null) {
            props.put("bootstrap.servers", bootstrap);
        }
        return props;
    }

    static Properties fromEnvironment(Map<String, String> environment) {
        Properties props = new Properties();
        environment.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && !NOT_CLIENT_SETTINGS.contains(name)) {
                props.put(
                        name.substring("KAFKA_".length())
                                .toLowerCase(Locale.ROOT)
                                .replace('_', '.'),
                        value);
            }
        });
        return props;
    }

    private static Properties readFile(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
            return props;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Kafka client config file not found: " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read Kafka client config " + file + ": " + e.getMessage());
        }
    }
}
