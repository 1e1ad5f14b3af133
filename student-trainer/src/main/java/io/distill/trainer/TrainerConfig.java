// Over 350 lines on purpose: one validated record of every trainer setting, and its builder.
package io.distill.trainer;

import io.distill.lm.artifact.WeightFormat;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.train.Divergence;
import io.distill.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Everything one student trainer needs, validated in one place. {@code distill train} builds it from its options.
 *
 * @param student the student's name: its consumer group, its checkpoint directories, the key of its announcements
 *     and a path segment of its artifact URLs, so only {@code [A-Za-z0-9._-]}
 * @param model the student's shape
 * @param precision the precision of the student's matrix products
 * @param kafka client settings (bootstrap servers, security) for the consumer and the producer
 * @param groupId the consumer group, one per student
 * @param softLabelsTopic where the teacher's soft labels are read
 * @param checkpointsTopic where checkpoints are announced (compacted, keyed by student)
 * @param deadLetterTopic where records the trainer cannot use go
 * @param alpha weight of the distillation term: {@code alpha * T^2 * KD + (1 - alpha) * CE}
 * @param peakLr learning rate after warmup (constant afterwards: a stream has no end)
 * @param warmupSteps linear warmup steps
 * @param batchSize windows per step
 * @param batchWait how long a partly filled batch waits for more records before it is trained as it is
 * @param seed seeds the student's initialisation
 * @param checkpointDir root of the trainer's files: {@code training/<student>/step-*} checkpoints and {@code
 *     published/<student>/<version>.zip} artifacts
 * @param checkpointEverySteps save after this many steps since the last save (0: never by steps)
 * @param checkpointEvery save after this much time since the last save (zero: never by time)
 * @param keep how many checkpoints (and published artifacts) to keep
 * @param publishFormat weight format of the published inference bundle
 * @param publishMaxRegressionPercent when present, a checkpoint whose holdout bits/byte is worse than the best
 *     published one by more than this percentage is not published
 * @param httpPort port of the artifact, health and metrics server; 0 for any free port, -1 for none
 * @param httpHost the host name announced in artifact URLs
 * @param advertisedUrl the base URL announced for artifacts instead of {@code http://httpHost:port}, e.g. {@code
 *     http://student-trainer:8081}: what other containers and hosts can reach; null for the default
 * @param holdoutPercent share of sample ids (by hash) held out of training, 0..100
 * @param holdoutWindows size of the rolling evaluation set
 * @param tokenizerMismatch what to do with a record made with another tokenizer
 * @param progressEvery at most one progress line this often
 * @param trainedLog test support: when present, every trained (step, sample id, window) is appended to this file
 * @param origin the student's tokenizer, the files its checkpoints carry, and how a fresh student starts
 * @param httpBind the address the HTTP server binds: {@link #LOOPBACK} by default, {@code 0.0.0.0} for every
 *     interface
 * @param startFresh when checkpoint directories exist but none verifies, move them to {@code quarantine/} and
 *     train from step 0 instead of refusing to start
 * @param allowGaps when retention deleted input records before they were trained on, log and count them and read on
 *     from the log start instead of refusing to go on ({@link RetentionGaps})
 * @param loss the divergence the distillation term is (forward KL by default); a record whose codec cannot give it
 *     is refused ({@link io.distill.lm.codec.Codec#checkLoss})
 * @param artifacts where published artifacts live for consumers (Kafka by default)
 * @param onPolicy when present, the trainer also writes its own samples and trains on their labels ({@link OnPolicy})
 * @param teachers when present, the student trains on the mixture of these byte-projected teachers ({@link
 *     TeacherMixture}), ignoring records of any other
 */
public record TrainerConfig(
        String student,
        LmConfig model,
        Precision precision,
        Properties kafka,
        String groupId,
        String softLabelsTopic,
        String checkpointsTopic,
        String deadLetterTopic,
        float alpha,
        float peakLr,
        int warmupSteps,
        int batchSize,
        Duration batchWait,
        long seed,
        Path checkpointDir,
        long checkpointEverySteps,
        Duration checkpointEvery,
        int keep,
        WeightFormat publishFormat,
        OptionalDouble publishMaxRegressionPercent,
        int httpPort,
        String httpHost,
        String advertisedUrl,
        double holdoutPercent,
        int holdoutWindows,
        OnTokenizerMismatch tokenizerMismatch,
        Duration progressEvery,
        Optional<Path> trainedLog,
        StudentOrigin origin,
        boolean startFresh,
        boolean allowGaps,
        String httpBind,
        Divergence loss,
        ArtifactStore artifacts,
        Optional<OnPolicy> onPolicy,
        Optional<TeacherWeights> teachers) {

    /** Where the HTTP server listens by default: this machine only. */
    public static final String LOOPBACK = "127.0.0.1";

    /** Names that are safe as a path segment and in a URL. */
    public static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    /** What the trainer does with a record whose tokenizer is not the student's. */
    public enum OnTokenizerMismatch {
        /** Stop with a message naming both tokenizers (the default: the stream or the student is misconfigured). */
        FAIL,
        /** Send the record to the dead-letter topic and carry on. */
        DEAD_LETTER
    }

    public TrainerConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(checkpointDir, "checkpointDir");
        Objects.requireNonNull(publishFormat, "publishFormat");
        Objects.requireNonNull(tokenizerMismatch, "tokenizerMismatch");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(artifacts, "artifacts");
        Objects.requireNonNull(onPolicy, "onPolicy");
        Objects.requireNonNull(teachers, "teachers");
        if (origin.tokenizer().vocabSize() > model.vocab()) {
            throw new IllegalArgumentException("the student's vocabulary (" + model.vocab()
                    + ") is smaller than its tokenizer's " + origin.tokenizer().id() + " ("
                    + origin.tokenizer().vocabSize() + ")");
        }
        if (httpBind == null || httpBind.isBlank()) {
            throw new IllegalArgumentException("the HTTP bind address must not be empty");
        }
        requireSafeName("student", student);
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("the consumer group must not be empty");
        }
        if (!(alpha >= 0f && alpha <= 1f)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        if (!(peakLr > 0f) || Float.isInfinite(peakLr)) {
            throw new IllegalArgumentException("the learning rate must be positive, got " + peakLr);
        }
        if (warmupSteps < 0 || batchSize < 1 || keep < 1 || holdoutWindows < 1) {
            throw new IllegalArgumentException("warmup must be >= 0, batch, keep and holdout windows >= 1; got "
                    + warmupSteps + ", " + batchSize + ", " + keep + ", " + holdoutWindows);
        }
        if (checkpointEverySteps < 0 || checkpointEvery.isNegative() || batchWait.isNegative()) {
            throw new IllegalArgumentException("checkpoint intervals and the batch wait must not be negative");
        }
        if (!(holdoutPercent >= 0 && holdoutPercent <= 100)) {
            throw new IllegalArgumentException("the holdout percentage must be in [0, 100], got " + holdoutPercent);
        }
        if (publishMaxRegressionPercent.isPresent() && !(publishMaxRegressionPercent.getAsDouble() >= 0)) {
            throw new IllegalArgumentException(
                    "the publish gate's percentage must be >= 0, got " + publishMaxRegressionPercent.getAsDouble());
        }
        if (httpPort < -1 || httpPort > 65535) {
            throw new IllegalArgumentException("the HTTP port must be -1 (off), 0 (any) or 1..65535, got " + httpPort);
        }
        if (advertisedUrl != null && !advertisedUrl.matches("https?://[^/?#\\s]+/?")) {
            throw new IllegalArgumentException(
                    "the advertised URL must be http(s)://HOST[:PORT], e.g. http://student-trainer:8081; got "
                            + advertisedUrl);
        }
    }

    /** The base URL announced for artifacts of a server on {@code port}, without a trailing slash. */
    public String advertisedBase(int port) {
        return advertisedUrl != null ? advertisedUrl.replaceFirst("/$", "") : "http://" + httpHost + ":" + port;
    }

    /** The conventional group of a student: {@code distill-student-<name>}. */
    public static String defaultGroup(String student) {
        return "distill-student-" + student;
    }

    /** Where the training checkpoints of this student live. */
    public Path trainingDir() {
        return checkpointDir.resolve("training").resolve(student);
    }

    /** Where the published artifacts of all students of this checkpoint directory live. */
    public Path publishedRoot() {
        return checkpointDir.resolve("published");
    }

    static void requireSafeName(String what, String name) {
        if (name == null || !SAFE_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(
                    what + " must be made of letters, digits, '.', '_' and '-' only, got '" + name + "'");
        }
    }

    /**
     * Settings at the defaults of {@code distill train}, to change where needed.
     *
     * @param kafka client settings, bootstrap.servers included
     */
    public static Builder builder(String student, LmConfig model, Properties kafka, Path checkpointDir) {
        return new Builder(student, model, kafka, checkpointDir);
    }

    /** Many optional knobs with defaults, so a builder; {@link #build} validates. */
    public static final class Builder {
        private final String student;
        private final LmConfig model;
        private final Properties kafka;
        private final Path checkpointDir;
        private Precision precision = Precision.FP32;
        private String groupId;
        private String softLabelsTopic = Topics.SOFT_LABELS;
        private String checkpointsTopic = Topics.CHECKPOINTS;
        private String deadLetterTopic = Topics.DEAD_LETTERS;
        private float alpha = 0.9f;
        private float peakLr = 1e-3f;
        private int warmupSteps = 100;
        private int batchSize = 8;
        private Duration batchWait = Duration.ofSeconds(5);
        private long seed = 1;
        private long checkpointEverySteps = 500;
        private Duration checkpointEvery = Duration.ofMinutes(5);
        private int keep = 3;
        private WeightFormat publishFormat = WeightFormat.FP16;
        private OptionalDouble publishMaxRegressionPercent = OptionalDouble.empty();
        private int httpPort = -1;
        private String httpHost = "localhost";
        private String advertisedUrl;
        private double holdoutPercent = 1.0;
        private int holdoutWindows = 256;
        private OnTokenizerMismatch tokenizerMismatch = OnTokenizerMismatch.FAIL;
        private Duration progressEvery = Duration.ofSeconds(5);
        private Optional<Path> trainedLog = Optional.empty();
        private StudentOrigin origin = StudentOrigin.BYTE_LEVEL;
        private boolean startFresh;
        private boolean allowGaps;
        private String httpBind = LOOPBACK;
        private Divergence loss = Divergence.FORWARD_KL;
        private ArtifactStore artifacts = ArtifactStore.defaults();
        private Optional<OnPolicy> onPolicy = Optional.empty();
        private Optional<TeacherWeights> teachers = Optional.empty();

        private Builder(String student, LmConfig model, Properties kafka, Path checkpointDir) {
            this.student = student;
            this.model = model;
            this.kafka = kafka;
            this.checkpointDir = checkpointDir;
        }

        public Builder precision(Precision value) {
            precision = value;
            return this;
        }

        public Builder groupId(String value) {
            groupId = value;
            return this;
        }

        public Builder topics(String softLabels, String checkpoints, String deadLetters) {
            softLabelsTopic = softLabels;
            checkpointsTopic = checkpoints;
            deadLetterTopic = deadLetters;
            return this;
        }

        public Builder alpha(float value) {
            alpha = value;
            return this;
        }

        public Builder learningRate(float peak, int warmup) {
            peakLr = peak;
            warmupSteps = warmup;
            return this;
        }

        public Builder batch(int size, Duration wait) {
            batchSize = size;
            batchWait = wait;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder checkpointEvery(long steps, Duration time, int keepLast) {
            checkpointEverySteps = steps;
            checkpointEvery = time;
            keep = keepLast;
            return this;
        }

        public Builder publish(WeightFormat format, OptionalDouble maxRegressionPercent) {
            publishFormat = format;
            publishMaxRegressionPercent = maxRegressionPercent;
            return this;
        }

        public Builder http(int port, String host) {
            httpPort = port;
            httpHost = host;
            return this;
        }

        /** Announce artifacts under this base URL instead of {@code http://HOST:PORT}; null for that default. */
        public Builder advertisedUrl(String url) {
            advertisedUrl = url;
            return this;
        }

        public Builder holdout(double percent, int windows) {
            holdoutPercent = percent;
            holdoutWindows = windows;
            return this;
        }

        public Builder onTokenizerMismatch(OnTokenizerMismatch value) {
            tokenizerMismatch = value;
            return this;
        }

        public Builder progressEvery(Duration value) {
            progressEvery = value;
            return this;
        }

        public Builder trainedLog(Path file) {
            trainedLog = Optional.ofNullable(file);
            return this;
        }

        /** A student of a Hugging Face teacher; the own byte-level models by default. */
        public Builder origin(StudentOrigin value) {
            origin = value;
            return this;
        }

        public Builder httpBind(String address) {
            httpBind = address;
            return this;
        }

        public Builder startFresh(boolean value) {
            startFresh = value;
            return this;
        }

        /** Read on from the log start when retention deleted records not yet trained on, instead of refusing. */
        public Builder allowGaps(boolean value) {
            allowGaps = value;
            return this;
        }

        /** The distillation divergence, e.g. {@code Divergence.parse("jsd:0.5")}; forward KL by default. */
        public Builder loss(Divergence value) {
            loss = value;
            return this;
        }

        /** Where published artifacts live: {@link ArtifactStore#defaults} (Kafka) unless set. */
        public Builder artifacts(ArtifactStore value) {
            artifacts = value;
            return this;
        }

        /** Multi-teacher training ({@link TeacherMixture}); one teacher's records as they come when empty. */
        public Builder teachers(Optional<TeacherWeights> value) {
            teachers = value;
            return this;
        }

        /** On-policy distillation ({@link OnPolicy}); off when empty, the default. */
        public Builder onPolicy(Optional<OnPolicy> value) {
            onPolicy = value;
            return this;
        }

        public TrainerConfig build() {
            return new TrainerConfig(
                    student,
                    model,
                    precision,
                    kafka,
                    groupId == null ? defaultGroup(student) : groupId,
                    softLabelsTopic,
                    checkpointsTopic,
                    deadLetterTopic,
                    alpha,
                    peakLr,
                    warmupSteps,
                    batchSize,
                    batchWait,
                    seed,
                    checkpointDir,
                    checkpointEverySteps,
                    checkpointEvery,
                    keep,
                    publishFormat,
                    publishMaxRegressionPercent,
                    httpPort,
                    httpHost,
                    advertisedUrl,
                    holdoutPercent,
                    holdoutWindows,
                    tokenizerMismatch,
                    progressEvery,
                    trainedLog,
                    origin,
                    startFresh,
                    allowGaps,
                    httpBind,
                    loss,
                    artifacts,
                    onPolicy,
                    teachers);
        }
    }
}
