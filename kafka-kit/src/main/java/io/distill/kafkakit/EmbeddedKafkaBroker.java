package io.distill.kafkakit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) running inside this JVM, from the
 * Maven Central jars: nothing to install, nothing downloaded. Data lives under a directory; when that directory was
 * formatted before, the broker starts on it again and keeps its topics and records.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final int port;
    private final boolean deleteOnClose;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, int port, boolean deleteOnClose) {
        this.server = server;
        this.dataDir = dataDir;
        this.port = port;
        this.deleteOnClose = deleteOnClose;
    }

    /** A throwaway broker on a free port in a new temporary directory, deleted on close (for tests). */
    public static EmbeddedKafkaBroker startEphemeral() {
        try {
            return start(Files.createTempDirectory("distill-kafka-"), 0, true, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a broker and waits until it serves requests.
     *
     * @param dataDir where logs and metadata live; formatted on first use, reused afterwards
     * @param port the client port on 127.0.0.1, or 0 for a free one
     * @param deleteOnClose whether {@link #close()} deletes {@code dataDir}
     * @param overrides broker settings that replace the defaults of {@link #brokerProperties}
     * @throws BrokerStartException when the port is taken or the broker fails to come up
     */
    public static EmbeddedKafkaBroker start(
            Path dataDir, int port, boolean deleteOnClose, Map<String, String> overrides) {
        return start(dataDir, port, deleteOnClose, overrides, Map.of());
    }

    /**
     * As {@link #start(Path, int, boolean, Map)}, with more client listeners on 127.0.0.1 beside the PLAINTEXT one
     * (which stays the inter-broker listener and {@link #bootstrapServers}).
     *
     * @param extraListeners security protocol (also the listener's name, e.g. {@code SASL_SSL}) to its port; the
     *     listener's own settings (SASL mechanisms, key stores) go in {@code overrides}
     */
    public static EmbeddedKafkaBroker start(
            Path dataDir,
            int port,
            boolean deleteOnClose,
            Map<String, String> overrides,
            Map<String, Integer> extraListeners) {
        int clientPort = port == 0 ? freePort() : requireFree(port);
        // The controller's voter string needs a real port before start, so pick it here too.
        int controllerPort = freePort();
        Properties props = brokerProperties(dataDir, clientPort, controllerPort);
        extraListeners.forEach((protocol, listenerPort) -> {
            String listener = protocol + "://127.0.0.1:" + listenerPort;
            props.put("listeners", props.getProperty("listeners") + "," + listener);
            props.put("advertised.listeners", props.getProperty("advertised.listeners") + "," + listener);
            props.put(
                    "listener.security.protocol.map",
                    props.getProperty("listener.security.protocol.map") + "," + protocol + ":" + protocol);
        });
        props.putAll(overrides);
        KafkaConfig config = new KafkaConfig(props, false);
        long started = System.nanoTime();
        formatIfNew(config, dataDir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            // The controller's non-daemon threads are already running: without this the JVM never exits.
            server.shutdown();
            server.awaitShutdown();
            throw new BrokerStartException("Kafka broker failed to start: " + e.getMessage(), e);
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, dataDir, clientPort, deleteOnClose);
        try {
            broker.awaitServing(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        log.info(
                "Kafka broker ready at {} in {} ms (data in {})",
                broker.bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                dataDir);
        return broker;
    }

    /** Settings for a single node on loopback; every internal topic must have one replica. */
    static Properties brokerProperties(Path dataDir, int clientPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:" + clientPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir(dataDir).toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "true");
        // A consumer group joining alone should not wait 3 s for others.
        p.put("group.initial.rebalance.delay.ms", "0");
        // The log cleaner preallocates 128 MiB by default, which halts a small-heap JVM.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        return p;
    }

    private static Path logDir(Path dataDir) {
        return dataDir.resolve("logs");
    }

    /**
     * Formats the storage on first use only. Formatting again, even with "ignore formatted", fails because the new
     * random cluster id does not match the one in meta.properties.
     */
    private static void formatIfNew(KafkaConfig config, Path dataDir) {
        if (Files.exists(logDir(dataDir).resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            Files.createDirectories(dataDir);
            new Formatter()
                    .setPrintStream(new PrintStream(output, true, StandardCharsets.UTF_8))
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(config.nodeId())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(List.of(logDir(dataDir).toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new BrokerStartException(
                    "cannot format Kafka storage in " + dataDir + ": " + e.getMessage() + " " + output, e);
        }
    }

    private void awaitServing(Duration timeout) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(props)) {
            while (true) {
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(5, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new BrokerStartException("Kafka broker did not answer within " + timeout, e);
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("interrupted while waiting for the broker", e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits for it; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
        log.info("Kafka broker at {} stopped", bootstrapServers());
    }

    /** A port on 127.0.0.1 that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int requireFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return port;
        } catch (IOException e) {
            throw new BrokerStartException("port " + port + " is already in use", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
