// Over 350 lines on purpose: most of it is the trainer's option declarations, one documented field per flag.
package io.distill.cli;

import io.distill.lm.artifact.WeightFormat;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.PrecisionChoice;
import io.distill.lm.train.Divergence;
import io.distill.schemas.Topics;
import io.distill.trainer.ArtifactStore;
import io.distill.trainer.RetentionGapException;
import io.distill.trainer.StudentTrainer;
import io.distill.trainer.TeacherWeights;
import io.distill.trainer.TrainerConfig;
import io.distill.trainer.UnusableStreamException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "train",
        description = {
            "Train a student model continuously from the teacher's soft labels, and publish its checkpoints.",
            "",
            "Reads --soft-labels-topic (read_committed, consumer group distill-student-NAME), trains with "
                    + "alpha * T^2 * KD + (1 - alpha) * CE, and saves checkpoints (weights, optimizer, consumed "
                    + "offsets) every N steps, every S seconds and at shutdown: a restart, even after kill -9, "
                    + "trains every record exactly once. A --holdout-percent slice of sample ids is never trained "
                    + "on and measures each checkpoint (bits/byte, KL to the teacher, top-1 agreement, the "
                    + "teacher's own bits/byte). Each checkpoint is published as one zip under "
                    + "CHECKPOINT_DIR/published/NAME/ and announced on --checkpoints-topic; the trainer serves it "
                    + "over HTTP with /healthz, /metrics (Prometheus) and /status. Bad records go to the "
                    + "dead-letter topic. SIGTERM or Ctrl-C: finish the step, checkpoint, exit.",
            "",
            "Examples:",
            "  distill train --student small --size student-1m",
            "  distill train --student tiny --size tiny --checkpoint-every-steps 100 --http-port 8082",
            "  distill train --student small-llama --init-from-teacher models/llama --layers 0,2,4",
            ""
        })
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StudentModelOptions studentModel;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PrecisionOption precision = new PrecisionOption("auto");

    // the stream never ends, so a longer warmup than pretraining's costs nothing
    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions(1e-3f, 100, 8, 1);

    @Mixin
    OnPolicyOptions onPolicy;

    @Option(
            names = "--student",
            defaultValue = "student",
            paramLabel = "NAME",
            description = "The student's name: its consumer group, checkpoint directory and announcement key; "
                    + "letters, digits, '.', '_', '-' (default: ${DEFAULT-VALUE}).")
    String student;

    @Option(
            names = "--size",
            defaultValue = "student-1m",
            paramLabel = "SIZE",
            description = "Model size: tiny, student-1m, teacher-15m (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(
            names = "--soft-labels-topic",
            defaultValue = Topics.SOFT_LABELS,
            paramLabel = "TOPIC",
            description = "Where the teacher's soft labels are read (default: ${DEFAULT-VALUE}).")
    String softLabelsTopic;

    @Option(
            names = "--checkpoints-topic",
            defaultValue = Topics.CHECKPOINTS,
            paramLabel = "TOPIC",
            description = "Where checkpoints are announced; created compacted if missing (default: ${DEFAULT-VALUE}).")
    String checkpointsTopic;

    @Option(
            names = "--dead-letter-topic",
            defaultValue = Topics.DEAD_LETTERS,
            paramLabel = "TOPIC",
            description = "Where unusable records go (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    @Option(names = "--group", paramLabel = "GROUP", description = "Consumer group (default: distill-student-NAME).")
    String group;

    @Option(
            names = "--alpha",
            defaultValue = "0.9",
            paramLabel = "A",
            description = "Weight of the distillation term against the hard-label term (default: ${DEFAULT-VALUE}).")
    float alpha;

    @Option(
            names = "--loss",
            defaultValue = "forward-kl",
            paramLabel = "forward-kl|reverse-kl|skew-kl:A|jsd:B",
            description = "The distillation term: KL(teacher || student), KL(student || teacher) (MiniLLM), "
                    + "KL(teacher || A teacher + (1 - A) student) (DistiLLM, A in [0, 1), e.g. 0.1), or the "
                    + "generalized Jensen-Shannon divergence (GKD, B in [0, 1]: 0 is forward-kl, 1 reverse-kl). "
                    + "Only forward-kl trains from sampled:N soft labels (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(
            names = "--teachers",
            paramLabel = "NAME=W,NAME=W",
            description = "Train a byte-level student on the mixture of these byte-projected teachers (teacher "
                    + "--project bytes), named by their model id, weights renormalised to sum to 1; mixed per byte "
                    + "position in probability space, records of other teachers ignored (default: every record as "
                    + "it comes).")
    String teachers;

    @Option(
            names = "--batch-wait",
            defaultValue = "5s",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long a partly filled batch waits for more records before it is trained as it is "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration batchWait;

    @Option(
            names = "--checkpoint-dir",
            defaultValue = "distill-data/checkpoints",
            paramLabel = "DIR",
            description = "Checkpoints (training/NAME/) and published artifacts (published/NAME/) "
                    + "(default: ${DEFAULT-VALUE}).")
    Path checkpointDir;

    @Option(
            names = "--checkpoint-every-steps",
            defaultValue = "500",
            paramLabel = "N",
            description = "Checkpoint after this many steps; 0: not by steps (default: ${DEFAULT-VALUE}).")
    long checkpointEverySteps;

    @Option(
            names = "--checkpoint-every-seconds",
            defaultValue = "300",
            paramLabel = "S",
            description = "Checkpoint after this many seconds; 0: not by time (default: ${DEFAULT-VALUE}).")
    long checkpointEverySeconds;

    @Option(
            names = "--keep",
            defaultValue = "3",
            paramLabel = "K",
            description = "Checkpoints and published artifacts to keep (default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(
            names = "--artifact-store",
            defaultValue = "kafka",
            paramLabel = "kafka|http",
            description = "Where consumers get published artifacts: kafka writes them in 512 KiB chunks to "
                    + "--artifacts-topic in the announcement's transaction, so they outlive the trainer; http "
                    + "announces the trainer's own URL (the HTTP server serves artifacts either way) "
                    + "(default: ${DEFAULT-VALUE}).")
    String artifactStore;

    @Option(
            names = "--artifacts-topic",
            defaultValue = Topics.CHECKPOINT_ARTIFACTS,
            paramLabel = "TOPIC",
            description = "The compacted topic of artifact chunks (default: ${DEFAULT-VALUE}).")
    String artifactsTopic;

    @Option(
            names = "--keep-published",
            defaultValue = "5",
            paramLabel = "K",
            description = "Versions per student kept on --artifacts-topic; older ones get tombstones "
                    + "(default: ${DEFAULT-VALUE}).")
    int keepPublished;

    @Option(
            names = "--max-artifact-bytes",
            defaultValue = "" + ArtifactStore.DEFAULT_MAX_BYTES,
            paramLabel = "BYTES",
            description = "A checkpoint whose published artifact is larger is not published and the trainer stops "
                    + "saying so (default: ${DEFAULT-VALUE}, 2 GiB).")
    long maxArtifactBytes;

    @Option(
            names = "--publish-format",
            defaultValue = "fp16",
            paramLabel = "fp16|int8|fp32",
            description = "Weight format of published checkpoints (default: ${DEFAULT-VALUE}).")
    String publishFormat;

    @Option(
            names = "--publish-max-regression-percent",
            paramLabel = "P",
            description = "Hold back a checkpoint whose holdout bits/byte is more than P% worse than the best "
                    + "published one (default: publish every checkpoint).")
    Double publishMaxRegressionPercent;

    @Option(
            names = "--http-port",
            defaultValue = "8081",
            paramLabel = "PORT",
            description = "Port for artifacts, /healthz, /metrics and /status; 0 for any free port, -1 for no "
                    + "server, when artifacts are announced as file:// URIs (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(
            names = "--http-host",
            defaultValue = TrainerConfig.LOOPBACK,
            paramLabel = "ADDRESS",
            description = "Address the HTTP server binds: this machine only by default, 0.0.0.0 for every "
                    + "interface (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(
            names = "--advertised-url",
            paramLabel = "URL",
            description = "Base URL announced for artifacts, one that consumers can reach, e.g. "
                    + "http://student-trainer:8081 in a compose network (default: http://HOST:PORT with --http-host, "
                    + "or localhost when that is a loopback or wildcard address).")
    String advertisedUrl;

    @Option(
            names = "--holdout-percent",
            defaultValue = "1",
            paramLabel = "P",
            description = "Share of sample ids (by hash) never trained on, the evaluation set (default: "
                    + "${DEFAULT-VALUE}).")
    double holdoutPercent;

    @Option(
            names = "--holdout-windows",
            defaultValue = "256",
            paramLabel = "N",
            description = "Size of the rolling evaluation set (default: ${DEFAULT-VALUE}).")
    int holdoutWindows;

    @Option(
            names = "--on-tokenizer-mismatch",
            defaultValue = "fail",
            paramLabel = "fail|dead-letter",
            description = "A record made with another tokenizer stops the trainer, or goes to the dead-letter "
                    + "topic (default: ${DEFAULT-VALUE}).")
    String onTokenizerMismatch;

    @Option(
            names = "--progress-every",
            defaultValue = "5s",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "At most one progress line this often (default: ${DEFAULT-VALUE}).")
    Duration progressEvery;

    @Option(
            names = "--start-fresh",
            description = "When checkpoints exist but none verifies, move them to quarantine/ and train from step 0 "
                    + "(without it the trainer refuses to start).")
    boolean startFresh;

    @Option(
            names = "--allow-gaps",
            description = "When retention deleted input records before they were trained on, log and count them and "
                    + "read on from the log start (without it the trainer refuses to go on).")
    boolean allowGaps;

    @Option(names = "--trained-log", hidden = true, paramLabel = "FILE", description = "Test support.")
    Path trainedLog;

    @Override
    @SuppressWarnings("try") // the shutdown hook is a scope: it stands while the command runs
    public Integer call() throws Exception {
        TrainerConfig config = config();
        spec.commandLine()
                .getErr()
                .println("train: " + student + " precision " + precision.resolve() + " loss "
                        + config.loss().spec());
        kafka.connectAdmin().close(); // an unreachable broker fails here, in one line
        StudentTrainer trainer = new StudentTrainer(config);
        try (GracefulShutdown shutdown = new GracefulShutdown("train-shutdown", trainer::stop)) {
            trainer.run();
        } catch (UnusableStreamException | RetentionGapException | IOException e) {
            throw new CliException(CliException.FAILED, e.getMessage(), e);
        }
        return 0;
    }

    /** The host of announced URLs without --advertised-url: a bind address consumers on this machine can use. */
    private String advertisedHost() {
        boolean local = Set.of("127.0.0.1", "0.0.0.0", "::", "::1", "[::]", "[::1]", "localhost")
                .contains(httpHost.trim());
        return local ? "localhost" : httpHost.trim();
    }

    TrainerConfig config() {
        StudentModelOptions.Student chosen = studentModel.resolve(size);
        LmConfig model = chosen.model();
        PrecisionChoice choice = precision.resolve();
        WeightFormat format;
        TrainerConfig.OnTokenizerMismatch mismatch;
        try {
            format = WeightFormat.fromId(publishFormat.trim().toLowerCase(Locale.ROOT));
            mismatch = switch (onTokenizerMismatch.trim().toLowerCase(Locale.ROOT)) {
                case "fail" -> TrainerConfig.OnTokenizerMismatch.FAIL;
                case "dead-letter" -> TrainerConfig.OnTokenizerMismatch.DEAD_LETTER;
                default ->
                    throw new IllegalArgumentException(
                            "--on-tokenizer-mismatch must be fail or dead-letter, got " + onTokenizerMismatch);
            };
            return TrainerConfig.builder(student, model, kafka.clientProperties(), checkpointDir)
                    .precision(choice.precision())
                    .groupId(group)
                    .topics(softLabelsTopic, checkpointsTopic, deadLetterTopic)
                    .alpha(alpha)
                    .loss(Divergence.parse(loss))
                    .learningRate(optimizer.learningRate, optimizer.warmup)
                    .batch(optimizer.batch, batchWait)
                    .seed(optimizer.seed)
                    .checkpointEvery(checkpointEverySteps, Duration.ofSeconds(checkpointEverySeconds), keep)
                    .publish(
                            format,
                            publishMaxRegressionPercent == null
                                    ? OptionalDouble.empty()
                                    : OptionalDouble.of(publishMaxRegressionPercent))
                    .http(httpPort, advertisedHost())
                    .httpBind(httpHost)
                    .advertisedUrl(advertisedUrl)
                    .holdout(holdoutPercent, holdoutWindows)
                    .onTokenizerMismatch(mismatch)
                    .progressEvery(progressEvery)
                    .trainedLog(trainedLog)
                    .origin(chosen.origin())
                    .startFresh(startFresh)
                    .allowGaps(allowGaps)
                    .artifacts(new ArtifactStore(
                            ArtifactStore.Kind.parse(artifactStore), artifactsTopic, keepPublished, maxArtifactBytes))
                    .onPolicy(onPolicy.resolve())
                    .teachers(teachers == null ? Optional.empty() : Optional.of(TeacherWeights.parse(teachers)))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
    }
}
