package io.distill.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.Padding;
import io.distill.lm.train.Batch;
import io.distill.lm.train.SoftTargets;
import io.distill.lm.train.TrainStep;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import io.distill.teacher.SoftLabelEncoder;
import io.distill.trainer.TrainerReadPath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The student of one {@link QualityArm}: its model, optimizer and steps, and what they cost. Every arm's student is
 * created from the same seed, so all start from the same weights.
 *
 * <p>A codec arm's teacher signal takes the path a record takes through Kafka: the teacher service's {@link
 * SoftLabelEncoder} makes the SoftLabels record from the teacher's logits, Avro turns it into the bytes that would
 * go on the wire, and the trainer's read path ({@link TrainerReadPath}) turns those bytes
 * into the batch, as {@code StudentTrainer} does.
 *
 * <p>Not thread-safe. The model and optimizer live in this arm's own manager, closed with it.
 */
final class ArmStudent implements AutoCloseable {
    /** Where the decoded records claim to come from (the reader reports it; nothing is read from Kafka). */
    private static final String TOPIC = "bench.quality";

    private final QualityArm arm;
    private final LmConfig config;
    private final float temperature;
    private final NDManager manager;
    private final Gpt model;
    private final TrainStep step;
    private final SoftLabelEncoder encoder;
    private final TrainerReadPath reader = new TrainerReadPath(TOPIC);
    private final AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
    private long tokens;
    private Clocks train = Clocks.ZERO;
    private Clocks encode = Clocks.ZERO;
    private long wireBytes;

    /**
     * @param teacher the identity the teacher's records carry (codec arms)
     * @param temperature T of the teacher signal (KD arms)
     */
    ArmStudent(
            QualityArm arm,
            LmConfig config,
            Precision precision,
            long seed,
            TrainStep.Options options,
            TeacherIdentity teacher,
            float temperature) {
        this.arm = arm;
        this.config = config;
        this.temperature = temperature;
        this.encoder = arm.codec()
                .map(codec -> new SoftLabelEncoder(teacher, codec, temperature))
                .orElse(null);
        this.manager = NDManager.newBaseManager();
        try {
            Engine.getInstance().setRandomSeed((int) seed);
            this.model = Gpt.create(config, precision, manager);
            this.step = new TrainStep(model, manager, options);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    QualityArm arm() {
        return arm;
    }

    /** The student's model, e.g. to sample from; it lives in {@link #manager()}. */
    Gpt model() {
        return model;
    }

    NDManager manager() {
        return manager;
    }

    /**
     * One training step on the windows.
     *
     * @param windows L + 1 tokens each, L the student's context
     * @param logits the teacher's logits (B, L, V) for the windows; unused by the hard-label arm
     */
    TrainStep.Result step(long stepIndex, int[][] windows, NDArray logits) {
        TrainerReadPath.Pieces decoded =
                arm.kind() == QualityArm.Kind.CODEC ? fromWire(stepIndex, windows, logits) : null;
        Clocks start = Clocks.now();
        TrainStep.Result r;
        try (Batch batch = batch(windows, logits, decoded)) {
            r = step.step(batch);
        }
        train = train.plus(Clocks.since(start));
        tokens += decoded != null ? decoded.realPositions() : realPositions(windows);
        return r;
    }

    /**
     * One training step on SoftLabels record values as the trainer reads them off the topic (labels made before
     * training, e.g. a teacher's byte projection): a codec arm trains on their labels, the hard-label arm on the
     * same windows of the same records without them, so every arm sees the same bytes in the same batch rows.
     */
    TrainStep.Result step(List<byte[]> records) {
        if (arm.kind() == QualityArm.Kind.DENSE) {
            throw new IllegalStateException("a dense arm needs the teacher's logits, not records");
        }
        Clocks start = Clocks.now();
        TrainerReadPath.Pieces decoded = reader.read(records).pieces(config.context());
        if (arm.kind() == QualityArm.Kind.CODEC) {
            records.forEach(r -> wireBytes += r.length);
        }
        TrainStep.Result r;
        try (Batch batch = arm.kind() == QualityArm.Kind.HARD
                ? decoded.assembleWithoutTeacher(manager)
                : decoded.assemble(manager)) {
            r = step.step(batch);
        }
        train = train.plus(Clocks.since(start));
        tokens += decoded.realPositions();
        return r;
    }

    private Batch batch(int[][] windows, NDArray logits, TrainerReadPath.Pieces decoded) {
        return switch (arm.kind()) {
            case HARD -> Batch.fromWindows(manager, windows);
            case DENSE -> Batch.fromWindows(manager, windows).withTeacher(new SoftTargets.Dense(logits, temperature));
            case CODEC -> decoded.assemble(manager);
        };
    }

    /**
     * The windows' records as the teacher service writes them (timed as encoding), then read back as the trainer
     * reads them (timed as training).
     */
    private TrainerReadPath.Pieces fromWire(long stepIndex, int[][] windows, NDArray logits) {
        Clocks start = Clocks.now();
        List<SoftLabelEncoder.Window> toEncode = new ArrayList<>(windows.length);
        for (int i = 0; i < windows.length; i++) {
            toEncode.add(new SoftLabelEncoder.Window("q" + stepIndex + "-" + i, 0, windows[i]));
        }
        List<byte[]> wire = new ArrayList<>(windows.length);
        for (SoftLabelEncoder.Result result : encoder.encode(logits, toEncode, Instant.now())) {
            if (!(result instanceof SoftLabelEncoder.Labelled labelled)) {
                throw new IllegalStateException("the teacher's logits are not finite at step " + stepIndex);
            }
            byte[] value = serde.encode(labelled.labels());
            wireBytes += value.length;
            wire.add(value);
        }
        encode = encode.plus(Clocks.since(start));
        Clocks decodeStart = Clocks.now();
        TrainerReadPath.Pieces pieces = reader.read(wire).pieces(config.context());
        train = train.plus(Clocks.since(decodeStart));
        return pieces;
    }

    /** Positions whose target is a real token, as the trainer counts them. */
    private static long realPositions(int[][] windows) {
        long n = 0;
        for (int[] w : windows) {
            for (int j = 1; j < w.length; j++) {
                n += w[j] == Padding.PAD ? 0 : 1;
            }
        }
        return n;
    }

    double holdoutBitsPerByte(int[] holdout, int batchSize) {
        return BitsPerByte.of(model, manager, holdout, batchSize);
    }

    long tokens() {
        return tokens;
    }

    /** Time in this arm's own work: reading the records back (codec arms), building batches, training steps. */
    Duration trainTime() {
        return Duration.ofNanos(train.wallNanos());
    }

    /** {@link #trainTime()} on both clocks. */
    Clocks trainClocks() {
        return train;
    }

    /** Time making this arm's records from the teacher's logits: the codec and Avro (codec arms). */
    Duration encodeTime() {
        return Duration.ofNanos(encode.wallNanos());
    }

    /** {@link #encodeTime()} on both clocks. */
    Clocks encodeClocks() {
        return encode;
    }

    /** Bytes of the SoftLabels record values this arm received, Avro envelope included (codec arms). */
    long wireBytes() {
        return wireBytes;
    }

    @Override
    public void close() {
        try {
            step.close();
        } finally {
            manager.close();
        }
    }
}
