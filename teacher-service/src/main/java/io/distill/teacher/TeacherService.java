package io.distill.teacher;

import io.distill.lm.artifact.FileTrees;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running teacher: its HTTP endpoint from construction on (so {@code /healthz} says "loading" while the model
 * loads), then the Kafka Streams application from {@link #start}. Closing stops both; pending windows stay in the
 * changelogged buffer for the next instance.
 */
public final class TeacherService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TeacherService.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param kafka client settings (bootstrap, security, any Streams/consumer/producer setting)
     * @param httpPort port for /healthz and /metrics, 0 for a free one
     * @param httpHost the address the HTTP endpoint binds; {@link #LOOPBACK} unless widened
     */
    public record Options(String applicationId, TeacherConfig config, Properties kafka, int httpPort, String httpHost) {
        /** Where the HTTP endpoint listens by default: this machine only. */
        public static final String LOOPBACK = "127.0.0.1";

        /** Options whose HTTP endpoint binds {@link #LOOPBACK}. */
        public Options(String applicationId, TeacherConfig config, Properties kafka, int httpPort) {
            this(applicationId, config, kafka, httpPort, LOOPBACK);
        }

        public Options {
            if (httpHost == null || httpHost.isBlank()) {
                throw new IllegalArgumentException("the HTTP host must not be empty");
            }
            if (applicationId == null || applicationId.isBlank()) {
                throw new IllegalArgumentException("the application id must not be empty");
            }
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(kafka, "kafka");
            if (httpPort < 0 || httpPort > 65535) {
                throw new IllegalArgumentException("HTTP port must be 0..65535, got " + httpPort);
            }
        }
    }

    private final Options options;
    private final TeacherMetrics metrics;
    private final HttpEndpoint http;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile KafkaStreams streams;
    private volatile TeacherModel teacher;
    private KafkaStreamsMetrics kafkaMetrics;
    private InputGaps gaps;
    private volatile Throwable failure;
    private Path stateDir;
    private boolean closed;

    /** Opens the HTTP endpoint; the service is not ready until {@link #start}. */
    public TeacherService(Options options) {
        this.options = options;
        this.metrics = new TeacherMetrics(options.config().maxBatch());
        this.metrics.watch(() -> teacher != null, this::state);
        this.http = HttpEndpoint.start(options.httpHost(), options.httpPort(), this::health, metrics::scrape);
    }

    /**
     * Starts the Streams application with the loaded teacher.
     *
     * @throws IllegalArgumentException when the config does not fit the model (context, top-k size)
     * @throws InputGapException when input records were deleted before they were labelled and gaps are not allowed
     */
    public synchronized void start(TeacherModel model) {
        if (streams != null) {
            throw new IllegalStateException("already started");
        }
        options.config().checkFits(model);
        InputGaps inputGaps = new InputGaps(
                options.applicationId(),
                options.config().inputTopic(),
                options.kafka(),
                options.config().allowGaps(),
                metrics);
        try {
            inputGaps.checkCommitted();
        } catch (RuntimeException e) {
            inputGaps.close();
            throw e;
        }
        this.gaps = inputGaps;
        try {
            // Only the in-memory buffer's bookkeeping lives here; its contents come back from the changelog.
            stateDir = Files.createTempDirectory("distill-teacher-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a state directory", e);
        }
        KafkaStreams kafkaStreams = new KafkaStreams(
                TeacherTopology.buildTopology(options.config(), model, metrics, inputGaps::watch),
                TeacherTopology.streamsConfig(options.applicationId(), options.kafka(), stateDir));
        kafkaStreams.setStateListener((now, before) -> {
            log.info("teacher streams {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        // A failure the processor did not turn into a dead letter (a broken model, a lost broker for longer than
        // the timeouts): stop, and let the process exit non-zero so its supervisor restarts it. Exactly-once makes
        // the restart safe.
        kafkaStreams.setUncaughtExceptionHandler(e -> {
            InputGapException gap = inputGap(e);
            KafkaException refused = refusal(e);
            if (gap != null) {
                log.error("teacher stopping: {}", gap.getMessage()); // the gap, logged and counted already
                failure = gap;
            } else if (refused != null) {
                // a missing ACL or a wrong password: the broker's message says which, a stack trace adds nothing
                log.error("teacher stopping: the broker refused: {}", refused.getMessage());
                failure = e;
            } else {
                log.error("teacher stream thread failed; shutting down", e);
                failure = e;
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        this.teacher = model;
        this.streams = kafkaStreams;
        this.kafkaMetrics = metrics.bind(kafkaStreams);
        kafkaStreams.start();
    }

    /** A refused retention gap met while running, wherever Kafka Streams wrapped it; null if that is not it. */
    private static InputGapException inputGap(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputGapException gap) {
                return gap;
            }
        }
        return null;
    }

    /** A broker's refusal (a missing ACL, a failed login) among the causes of {@code e}; null if there is none. */
    private static KafkaException refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthorizationException || t instanceof AuthenticationException) {
                return (KafkaException) t;
            }
        }
        return null;
    }

    /** What stopped the stream thread, if it failed: e.g. an {@link InputGapException}. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Blocks until the Streams application stops (closed, or failed); returns the final state. */
    public KafkaStreams.State awaitStopped() throws InterruptedException {
        stopped.await();
        return streams.state();
    }

    public KafkaStreams.State state() {
        KafkaStreams s = streams;
        return s == null ? KafkaStreams.State.CREATED : s.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public TeacherMetrics metrics() {
        return metrics;
    }

    /** The address the HTTP endpoint is bound to. */
    public java.net.InetSocketAddress httpAddress() {
        return http.address();
    }

    public int httpPort() {
        return http.port();
    }

    /** Ready when the model is loaded and the Streams state is RUNNING (not while rebalancing or restoring). */
    HttpEndpoint.Health health() {
        if (teacher == null) {
            return new HttpEndpoint.Health(false, "loading the model");
        }
        KafkaStreams.State state = state();
        return new HttpEndpoint.Health(state == KafkaStreams.State.RUNNING, "streams " + state);
    }

    /** Stops Streams (waiting up to 30 s for a clean close), then HTTP; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        KafkaStreams s = streams;
        if (s != null) {
            s.close(CLOSE_TIMEOUT);
            kafkaMetrics.close();
        }
        stopped.countDown();
        if (gaps != null) {
            gaps.close();
        }
        http.close();
        if (stateDir != null) {
            FileTrees.deleteQuietly(stateDir, log); // Kafka Streams may have removed it already
        }
    }
}
