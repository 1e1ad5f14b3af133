// Over 350 lines on purpose: most of it is the teacher's option declarations, one documented field per flag.
package io.distill.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.PrecisionChoice;
import io.distill.schemas.TopicSetup;
import io.distill.schemas.Topics;
import io.distill.teacher.InputGapException;
import io.distill.teacher.TeacherConfig;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherService;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "teacher",
        description = {
            "Run the teacher service: read text from the input topic, run the teacher model over it in batched "
                    + "windows, and publish its soft labels (temperature-scaled next-token distributions, "
                    + "compressed by the codec) exactly once.",
            "",
            "A Kafka Streams application with processing.guarantee=exactly_once_v2: start more instances with the "
                    + "same --application-id to share the input partitions. Bad input goes to the dead-letter "
                    + "topic with a reason. GET /healthz on --http-port answers 200 once the model is loaded and "
                    + "the stream is RUNNING; GET /metrics is Prometheus text. SIGTERM or Ctrl-C stops it cleanly. "
                    + "Missing topics are created (--partitions for input and output).",
            "",
            "--model DIR loads a trained model (make one with `distill pretrain`). --model-size runs a freshly "
                    + "initialised model of a named size instead (tiny, student-1m, teacher-15m): its labels are "
                    + "noise, for smoke tests and benchmarks only.",
            "",
            "Examples:",
            "  distill teacher --model distill-data/teacher",
            "  distill teacher --model-size tiny --context 64",
            "  distill teacher --model-size teacher-15m --codec sampled:16 --temperature 1.5",
            "  distill teacher --model path/to/llama --project bytes     # labels for byte-level students",
            "  DISTILL_BOOTSTRAP=kafka:9092 DISTILL_MODEL_SIZE=teacher-15m distill teacher",
            ""
        })
final class TeacherCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "A trained teacher model directory (from `distill pretrain`, or a pulled checkpoint).")
    Path model;

    @Option(
            names = "--model-size",
            paramLabel = "NAME",
            description = "Run a freshly initialised model of this size instead: " + "tiny, student-1m, teacher-15m.")
    String modelSize;

    @Option(
            names = "--seed",
            defaultValue = "0",
            paramLabel = "N",
            description = "Initialisation seed for --model-size (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    TeacherSignalOptions signal;

    @Option(
            names = "--context",
            paramLabel = "L",
            description = "Positions per window; each record carries L+1 tokens (default: 128, or the model's "
                    + "context if shorter).")
    Integer context;

    @Option(
            names = "--stride",
            paramLabel = "N",
            description = "Tokens between window starts, 1..context (default: the context: windows share only "
                    + "their boundary token).")
    Integer stride;

    @Option(
            names = "--max-batch",
            defaultValue = "16",
            paramLabel = "N",
            description = "Windows per forward pass, from any records (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(
            names = "--max-wait",
            defaultValue = "250ms",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Run a partial batch once its oldest window waited this long (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(
            names = "--max-text-bytes",
            defaultValue = "1000000",
            paramLabel = "BYTES",
            description = "Larger input values go to the dead-letter topic (default: ${DEFAULT-VALUE}).")
    int maxTextBytes;

    @Option(
            names = "--application-id",
            defaultValue = "distill-teacher",
            paramLabel = "ID",
            description = "Kafka Streams application id; instances sharing it share the work (default: "
                    + "${DEFAULT-VALUE}).")
    String applicationId;

    @Option(
            names = "--input-topic",
            defaultValue = Topics.TEXT,
            paramLabel = "TOPIC",
            description = "Text to label (default: ${DEFAULT-VALUE}).")
    String inputTopic;

    @Option(
            names = "--output-topic",
            defaultValue = Topics.SOFT_LABELS,
            paramLabel = "TOPIC",
            description = "Where soft labels go (default: ${DEFAULT-VALUE}).")
    String outputTopic;

    @Option(
            names = "--dead-letter-topic",
            defaultValue = Topics.DEAD_LETTERS,
            paramLabel = "TOPIC",
            description = "Where bad input goes (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    @Option(
            names = "--partitions",
            defaultValue = "4",
            paramLabel = "N",
            description = "Partitions of the input and output topics if they have to be created; at most this "
                    + "many instances can share the work (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--http-port",
            defaultValue = "8091",
            paramLabel = "PORT",
            description = "Port for /healthz and /metrics, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(
            names = "--http-host",
            defaultValue = TeacherService.Options.LOOPBACK,
            paramLabel = "ADDRESS",
            description = "Address /healthz and /metrics bind: this machine only by default, 0.0.0.0 for every "
                    + "interface (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Mixin
    PrecisionOption precision = new PrecisionOption("auto");

    @Option(
            names = "--project",
            paramLabel = "bytes",
            description = "Publish the teacher's next-byte distributions (tokenizer byte-v1, 257 outcomes: 256 bytes "
                    + "and end of text) instead of its own tokens, for byte-level students; the teacher's tokenizer "
                    + "must be byte-level BPE or have byte fallback (docs/byte-bridge.md).")
    String project;

    @Option(
            names = "--allow-gaps",
            description = "When retention deleted input records before they were labelled, log and count them and "
                    + "resume from the log start (without it the teacher refuses to start).")
    boolean allowGaps;

    @Override
    public Integer call() throws Exception {
        LmConfig lmConfig = modelConfig();
        PrecisionChoice choice = precision.resolve();
        int windowContext = context != null ? context : Math.min(TeacherConfig.DEFAULT_CONTEXT, lmConfig.context());
        TeacherConfig config = teacherConfig(windowContext);
        if (windowContext > lmConfig.context()) {
            throw new CliException(
                    CliException.BAD_INPUT,
                    "--context " + windowContext + " is longer than the model's context of " + lmConfig.context());
        }
        TeacherService.Options options;
        try {
            options = new TeacherService.Options(applicationId, config, kafka.clientProperties(), httpPort, httpHost);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
        ensureTopics();

        var err = spec.commandLine().getErr();
        // closed in reverse: the shutdown first (it waits for a service.close() under way), then the model
        try (NDManager manager = NDManager.newBaseManager();
                TeacherService service = openService(options);
                GracefulShutdown shutdown = new GracefulShutdown("teacher-shutdown", service::close)) {
            TeacherModel teacher = loadTeacher(lmConfig, choice, manager);
            try {
                service.start(teacher);
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
            } catch (InputGapException e) {
                throw new CliException(CliException.FAILED, e.getMessage(), e);
            }
            err.printf(
                    Locale.ROOT,
                    "teacher: %s (%,d parameters, version %s), precision %s%n"
                            + "teacher: %s%s at T=%s, windows of %d positions (stride %d), batches of %d or %s; "
                            + "%s -> %s, bad input -> %s; application id %s%n"
                            + "teacher: health and metrics on http://localhost:%d/healthz and /metrics%n",
                    teacher.modelId(),
                    lmConfig.parameterCount(),
                    teacher.modelVersion(),
                    choice,
                    config.codec(),
                    config.projectBytes() ? " over next-byte distributions (byte-v1, projected)" : "",
                    config.temperature(),
                    config.context(),
                    config.stride(),
                    config.maxBatch(),
                    DurationConverter.format(config.maxWait()),
                    config.inputTopic(),
                    config.outputTopic(),
                    config.deadLetterTopic(),
                    applicationId,
                    service.httpPort());
            err.flush();
            KafkaStreams.State end;
            try {
                end = service.awaitStopped();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end = KafkaStreams.State.NOT_RUNNING; // stopped from inside this JVM (tests)
            }
            if (end == KafkaStreams.State.ERROR) {
                Throwable failure = service.failure().orElse(null);
                if (failure instanceof InputGapException gap) {
                    throw new CliException(CliException.FAILED, gap.getMessage(), gap);
                }
                Optional<String> refused = KafkaRefusal.describe(failure);
                if (refused.isPresent()) {
                    throw new CliException(CliException.FAILED, refused.get(), failure);
                }
                throw new CliException(CliException.FAILED, "the teacher stopped after an error (see the log above)");
            }
            return 0;
        }
    }

    private LmConfig modelConfig() {
        if (model != null && modelSize != null) {
            throw new CliException(CliException.BAD_INPUT, "give either --model DIR or --model-size NAME, not both");
        }
        if (model != null) {
            try {
                return ModelFiles.readConfig(model);
            } catch (IOException e) {
                throw new CliException(CliException.BAD_INPUT, "--model " + model + ": " + e.getMessage(), e);
            }
        }
        if (modelSize == null) {
            throw new CliException(
                    CliException.BAD_INPUT, "which teacher? give --model DIR or --model-size NAME (e.g. tiny)");
        }
        return ModelFiles.namedSize(modelSize);
    }

    /** The trained model of --model, or a freshly initialised one of --model-size. */
    private TeacherModel loadTeacher(LmConfig lmConfig, PrecisionChoice choice, NDManager manager) {
        if (model != null) {
            return ModelFiles.loadTeacher(model, choice.precision(), manager);
        }
        Engine.getInstance().setRandomSeed((int) seed);
        return new TeacherModel(
                Gpt.create(lmConfig, choice.precision(), manager), "random-" + modelSize, "seed-" + seed);
    }

    private TeacherConfig teacherConfig(int windowContext) {
        try {
            return TeacherConfig.builder()
                    .inputTopic(inputTopic)
                    .outputTopic(outputTopic)
                    .deadLetterTopic(deadLetterTopic)
                    .codec(signal.codec)
                    .temperature(signal.temperature.value)
                    .context(windowContext)
                    .stride(stride)
                    .maxBatch(maxBatch)
                    .maxWait(maxWait)
                    .maxTextBytes(maxTextBytes)
                    .allowGaps(allowGaps)
                    .projectBytes(projectBytes())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
    }

    private boolean projectBytes() {
        if (project != null && !project.equals("bytes")) {
            throw new CliException(CliException.BAD_INPUT, "--project: only 'bytes' is known, got '" + project + "'");
        }
        return project != null;
    }

    private void ensureTopics() throws InterruptedException {
        if (partitions < 1) {
            throw new CliException(CliException.BAD_INPUT, "--partitions must be at least 1, got " + partitions);
        }
        try (Admin admin = kafka.connectAdmin()) {
            TopicSetup.ensure(
                    admin,
                    List.of(
                            new TopicSetup.Spec(inputTopic, partitions, false),
                            new TopicSetup.Spec(outputTopic, partitions, false),
                            new TopicSetup.Spec(deadLetterTopic, 1, false)),
                    kafka.timeout.toMillis());
        } catch (ExecutionException | TimeoutException e) {
            throw new CliException(
                    CliException.FAILED,
                    "cannot create the teacher's topics: "
                            + KafkaRefusal.describe(e).orElse(e.getMessage()),
                    e);
        }
    }

    private static TeacherService openService(TeacherService.Options options) {
        try {
            return new TeacherService(options);
        } catch (IllegalStateException e) {
            throw new CliException(CliException.FAILED, e.getMessage() + "; pick another with --http-port", e);
        }
    }
}
