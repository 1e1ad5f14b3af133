package io.distill.cli;

import io.distill.schemas.KafkaClientSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to Kafka shares. Where the bootstrap servers come from, first found wins: the
 * {@code --bootstrap} flag (or {@code -b}, {@code --bootstrap-server}), a {@code -X bootstrap.servers=} flag, {@code
 * DISTILL_BOOTSTRAP}, {@code KAFKA_BOOTSTRAP_SERVERS}, the {@code --kafka-config} file, {@code localhost:9092}. Other
 * client properties: {@code -X} flags over {@code KAFKA_*} variables over the file.
 */
final class KafkaOptions {
    static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    private static final String BOOTSTRAP_SERVERS = "bootstrap.servers";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = {"--bootstrap", "-b", "--bootstrap-server"},
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers; also DISTILL_BOOTSTRAP or KAFKA_BOOTSTRAP_SERVERS " + "(default: "
                    + DEFAULT_BOOTSTRAP + ").")
    String bootstrap;

    @Option(
            names = "-X",
            paramLabel = "KEY=VALUE",
            description = "A Kafka client property, e.g. -X security.protocol=SASL_SSL; repeatable. Wins over "
                    + "KAFKA_* variables and --kafka-config.")
    Map<String, String> clientOverrides = new LinkedHashMap<>();

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

    /** Client settings: the file, then KAFKA_* variables, then -X flags; the bootstrap servers as the class says. */
    Properties clientProperties() {
        return clientProperties(System.getenv());
    }

    Properties clientProperties(Map<String, String> environment) {
        Properties props;
        try {
            props = KafkaClientSettings.load(null, kafkaConfig, environment);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
        boolean flag = bootstrapFlagGiven();
        if (bootstrap != null && !flag) {
            props.put(BOOTSTRAP_SERVERS, bootstrap); // from DISTILL_BOOTSTRAP: over KAFKA_BOOTSTRAP_SERVERS
        }
        props.putAll(clientOverrides);
        if (bootstrap != null && flag) {
            props.put(BOOTSTRAP_SERVERS, bootstrap);
        }
        props.putIfAbsent(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP);
        return props;
    }

    /** Whether --bootstrap was on the command line, rather than its value coming from DISTILL_BOOTSTRAP. */
    private boolean bootstrapFlagGiven() {
        ParseResult parsed = command == null ? null : command.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption("--bootstrap");
    }

    /**
     * An admin client on a broker known to answer, so that a wrong address fails here, fast and clearly, rather than
     * as a hang in the first send.
     */
    Admin connectAdmin() {
        Properties props = clientProperties();
        String servers = props.getProperty(BOOTSTRAP_SERVERS);
        int timeoutMs = (int) timeout.toMillis();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        Admin admin = Admin.create(props);
        try {
            admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            return admin;
        } catch (TimeoutException | ExecutionException e) {
            admin.close(Duration.ZERO);
            Optional<String> refused = KafkaRefusal.describe(e);
            if (refused.isPresent()) {
                throw new CliException(CliException.FAILED, "Kafka at " + servers + ": " + refused.get(), e);
            }
            throw new CliException(
                    CliException.UNREACHABLE,
                    "cannot reach Kafka at " + servers + " within " + DurationConverter.format(timeout)
                            + "; is a broker running? (start one with `distill broker`)",
                    e);
        } catch (InterruptedException e) {
            admin.close(Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new CliException(CliException.FAILED, "interrupted while connecting to Kafka", e);
        }
    }
}
