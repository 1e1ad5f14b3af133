package io.distill.trainer;

import io.distill.lm.codec.Codec;
import io.distill.lm.codec.InvalidPayloadException;
import io.distill.lm.codec.WindowLabels;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;
import io.distill.schemas.AvroDecodeException;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Turns a raw soft-label record into a {@link TrainingWindow}, or says why it cannot be used. Every check happens
 * here, before anything reaches the model: Avro decoding, the teacher's tokenizer against the student's, token ids
 * inside the vocabulary, the payload's layout and finiteness.
 */
final class SoftLabelReader {

    /** Reasons of the checks made here, beside the decoders' own ({@link AvroDecodeException.Reason}, ...). */
    static final String TOKENIZER_MISMATCH = "TOKENIZER_MISMATCH";

    static final String MALFORMED_PAYLOAD = InvalidPayloadException.Reason.MALFORMED_PAYLOAD.name();
    static final String NON_FINITE = InvalidPayloadException.Reason.NON_FINITE.name();

    /** What became of a record. */
    public sealed interface Outcome permits Accepted, Rejected {}

    /**
     * @param teacher the teacher's model id, as {@code --teachers} names it
     * @param byteOffset where the window's first target lies in its document, for projected byte-level records
     */
    public record Accepted(TrainingWindow window, String teacher, OptionalLong byteOffset) implements Outcome {}

    /** @param reason machine readable, for the dead-letter header and the counter */
    public record Rejected(String reason, String detail) implements Outcome {}

    private final AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
    private final Tokenizer tokenizer;
    private final int vocab;
    private final TrainerConfig.OnTokenizerMismatch onMismatch;
    private final Divergence loss;

    /** A reader for a student trained with forward KL. */
    public SoftLabelReader(Tokenizer tokenizer, int vocab, TrainerConfig.OnTokenizerMismatch onMismatch) {
        this(tokenizer, vocab, onMismatch, Divergence.FORWARD_KL);
    }

    /**
     * @param vocab the student's vocabulary size
     * @param loss the student's divergence: a record whose codec cannot give it stops the trainer
     */
    public SoftLabelReader(
            Tokenizer tokenizer, int vocab, TrainerConfig.OnTokenizerMismatch onMismatch, Divergence loss) {
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.onMismatch = onMismatch;
        this.loss = loss;
    }

    /**
     * @throws UnusableStreamException when the teacher's tokenizer differs and the policy is to fail
     */
    public Outcome read(ConsumerRecord<byte[], byte[]> record) {
        SoftLabels labels;
        try {
            labels = serde.decode(record.value());
        } catch (AvroDecodeException e) {
            return new Rejected(e.reason().name(), e.getMessage());
        }
        String mismatch = tokenizerMismatch(labels.getTeacher());
        if (mismatch != null) {
            String message = "soft labels of " + labels.getSampleId() + "#" + labels.getWindow() + " at "
                    + record.topic() + "-" + record.partition() + "@" + record.offset() + ": " + mismatch;
            if (onMismatch == TrainerConfig.OnTokenizerMismatch.FAIL) {
                throw new UnusableStreamException(message
                        + " (fix the teacher or the student; --on-tokenizer-mismatch dead-letter skips such records)");
            }
            return new Rejected(TOKENIZER_MISMATCH, message);
        }
        float temperature = labels.getTemperature();
        if (!Float.isFinite(temperature)) {
            return new Rejected(NON_FINITE, "temperature is " + temperature);
        }
        try {
            SoftTargets.checkTemperature(temperature);
        } catch (IllegalArgumentException e) {
            return new Rejected(MALFORMED_PAYLOAD, e.getMessage());
        }
        if (labels.getSampleId().isEmpty()) {
            return new Rejected(MALFORMED_PAYLOAD, "empty sample id");
        }
        List<Integer> tokenList = labels.getTokens();
        int[] tokens = new int[tokenList.size()];
        for (int i = 0; i < tokens.length; i++) {
            int id = tokenList.get(i);
            if (id < 0 || id >= vocab) {
                return new Rejected(
                        MALFORMED_PAYLOAD, "token " + id + " at " + i + " outside the vocabulary of " + vocab);
            }
            tokens[i] = id;
        }
        if (tokens.length < 2) {
            return new Rejected(MALFORMED_PAYLOAD, "a window needs at least 2 tokens, got " + tokens.length);
        }
        Codec codec;
        try {
            codec = Codec.fromWire(
                    labels.getCodec().getKind().name(), labels.getCodec().getSize());
            codec.checkVocabulary(vocab);
        } catch (IllegalArgumentException e) {
            return new Rejected(MALFORMED_PAYLOAD, e.getMessage() + " (vocabulary " + vocab + ")");
        }
        try {
            codec.checkLoss(loss);
        } catch (IllegalArgumentException e) {
            throw new UnusableStreamException(
                    "soft labels of " + labels.getSampleId() + "#" + labels.getWindow() + " at " + record.topic() + "-"
                            + record.partition() + "@" + record.offset() + ": --loss " + e.getMessage());
        }
        WindowLabels soft;
        try {
            soft = codec.decode(bytes(labels.getPayload()), tokens.length - 1, vocab);
        } catch (InvalidPayloadException e) {
            return new Rejected(e.reason().name(), e.getMessage());
        }
        OptionalDouble targetNats = OptionalDouble.empty();
        if (labels.getTargetNats() != null) {
            float nats = labels.getTargetNats();
            if (!Float.isFinite(nats) || nats < 0f) {
                return new Rejected(NON_FINITE, "targetNats is " + nats);
            }
            targetNats = OptionalDouble.of(nats);
        }
        if (labels.getByteOffset() != null && labels.getByteOffset() < 0) {
            return new Rejected(MALFORMED_PAYLOAD, "byteOffset is " + labels.getByteOffset());
        }
        return new Accepted(
                new TrainingWindow(
                        labels.getSampleId(),
                        labels.getWindow(),
                        tokens,
                        soft,
                        temperature,
                        codec,
                        targetNats,
                        new TopicPartition(record.topic(), record.partition()),
                        record.offset(),
                        record.key(),
                        record.value()),
                labels.getTeacher().getModelId(),
                labels.getByteOffset() == null ? OptionalLong.empty() : OptionalLong.of(labels.getByteOffset()));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /** A sentence naming both sides when the teacher's tokenizer is not the student's, else null. */
    private String tokenizerMismatch(TeacherIdentity teacher) {
        boolean same = teacher.getTokenizerId().equals(tokenizer.id())
                && teacher.getTokenizerChecksum().equals(tokenizer.checksum())
                && teacher.getVocabSize() == vocab;
        if (same) {
            return null;
        }
        return "teacher " + teacher.getModelId() + " v" + teacher.getModelVersion() + " uses tokenizer "
                + describe(teacher.getTokenizerId(), teacher.getTokenizerChecksum(), teacher.getVocabSize())
                + ", the student uses " + describe(tokenizer.id(), tokenizer.checksum(), vocab);
    }

    private static String describe(String id, String checksum, int vocab) {
        String shortSum = checksum.length() > 12 ? checksum.substring(0, 12) + "..." : checksum;
        return id + " (checksum " + shortSum + ", vocab " + vocab + ")";
    }
}
