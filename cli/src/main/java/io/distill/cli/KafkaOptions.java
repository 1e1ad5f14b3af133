package io.distill.cli;

import io.distill.schemas.KafkaClientSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Option;

/** The options every command that talks to Kafka shares. */
final class KafkaOptions {
    @Option(
            names = "--bootstrap",
            defaultValue = "localhost:9092",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*, ...). "
                    + "KAFKA_* environment variables are added on top: KAFKA_SASL_MECHANISM=PLAIN sets sasl.mechanism.")
    Path kafkaConfig;

    @Option(
            names = "--timeout",
            defaultValue = "15s",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long to wait for the broker before giving up, e.g. 15s, 2m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /** Client settings: the file, then KAFKA_* variables, then --bootstrap. */
    Properties clientProperties() {
        try {
            return KafkaClientSettings.load(bootstrap, kafkaConfig, System.getenv());
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
    }

    /**
     * An admin client on a broker known to answer, so that a wrong address fails here, fast and clearly, rather than
     * as a hang in the first send.
     */
    Admin connectAdmin() {
        Properties props = clientProperties();
        int timeoutMs = (int) timeout.toMillis();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        Admin admin = Admin.create(props);
        try {
            admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            return admin;
        } catch (TimeoutException | ExecutionException e) {
            admin.close(Duration.ZERO);
            throw new CliException(
                    CliException.UNREACHABLE,
                    "cannot reach Kafka at " + bootstrap + " within " + DurationConverter.format(timeout)
                            + "; is a broker running? (start one with `distill broker`)",
                    e);
        } catch (InterruptedException e) {
            admin.close(Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new CliException(CliException.FAILED, "interrupted while connecting to Kafka", e);
        }
    }
}
