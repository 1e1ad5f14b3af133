package io.distill.cli;

import io.distill.kafkakit.BrokerStartException;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.schemas.TopicSetup;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "broker",
        description = {
            "Run a real single-node Kafka broker (KRaft) in this process: nothing to install, no Docker.",
            "",
            "Listens on 127.0.0.1 only. Data persists in --data-dir, so a restart keeps topics and records. "
                    + "Creates the distill topics if they are missing, prints a line with READY and the bootstrap "
                    + "address, then serves until Ctrl-C or SIGTERM, when it shuts down cleanly.",
            "",
            "Examples:",
            "  distill broker",
            "  distill broker --port 19092 --data-dir /tmp/kafka",
            ""
        })
final class BrokerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "9092",
            description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--data-dir",
            defaultValue = "distill-data/kafka",
            paramLabel = "DIR",
            description = "Where the broker keeps its data (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "4",
            description = "Partitions of distill.text and distill.soft-labels when they are created; at most this "
                    + "many teacher instances can share the work (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        if (port < 1 || port > 65535) {
            throw new CliException(CliException.BAD_INPUT, "--port must be between 1 and 65535, got " + port);
        }
        EmbeddedKafkaBroker broker;
        try {
            broker = EmbeddedKafkaBroker.start(dataDir.toAbsolutePath(), port, false, Map.of());
        } catch (BrokerStartException e) {
            String hint = e.getMessage().contains("in use") ? "; pick another with --port" : "";
            throw new CliException(CliException.FAILED, e.getMessage() + hint, e);
        }
        try (GracefulShutdown shutdown = new GracefulShutdown("broker-shutdown", broker::close)) {
            serve(broker, shutdown);
        }
        return 0;
    }

    /** Creates the topics, says READY, and serves until a shutdown has closed the broker. */
    private void serve(EmbeddedKafkaBroker broker, GracefulShutdown shutdown) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            List<String> created = TopicSetup.ensure(admin, TopicSetup.standard(partitions), 30_000);
            if (!created.isEmpty()) {
                spec.commandLine().getErr().println("created topics " + String.join(", ", created));
            }
        }
        var out = spec.commandLine().getOut();
        out.println("READY bootstrap=" + broker.bootstrapServers() + " data=" + broker.dataDir());
        out.flush();
        shutdown.awaitStopped();
    }
}
