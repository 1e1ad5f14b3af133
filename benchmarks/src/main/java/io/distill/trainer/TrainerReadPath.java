package io.distill.trainer;

import ai.djl.ndarray.NDManager;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The student trainer's read path, for benchmarks: SoftLabels record values decoded and checked by {@link
 * SoftLabelReader}, cut to the student's context by {@link TrainingWindow#pieces} and batched by {@link
 * BatchAssembler}, exactly as {@code StudentTrainer} does. It lives in the benchmarks module but in the trainer's
 * package, so those classes stay package-private in the deployable trainer.
 *
 * <p>Byte-tokenizer students only; a refused record is an error. Not thread-safe.
 */
public final class TrainerReadPath {
    private final SoftLabelReader reader =
            new SoftLabelReader(ByteTokenizer.get(), ByteTokenizer.VOCAB_SIZE, TrainerConfig.OnTokenizerMismatch.FAIL);
    private final String topic;
    private long offset;

    /** @param topic where the records claim to come from (the reader reports it; nothing is read from Kafka) */
    public TrainerReadPath(String topic) {
        this.topic = topic;
    }

    /**
     * Reads record values as the trainer reads them, at consecutive offsets of partition 0.
     *
     * @throws IllegalStateException when the trainer would refuse one
     */
    public Windows read(List<byte[]> values) {
        List<TrainingWindow> windows = new ArrayList<>(values.size());
        for (byte[] value : values) {
            SoftLabelReader.Outcome outcome = reader.read(new ConsumerRecord<>(topic, 0, offset++, null, value));
            if (!(outcome instanceof SoftLabelReader.Accepted accepted)) {
                throw new IllegalStateException("the trainer refused record " + (offset - 1) + ": " + outcome);
            }
            windows.add(accepted.window());
        }
        return new Windows(windows);
    }

    /** Decoded windows, in record order. */
    public static final class Windows {
        private final List<TrainingWindow> windows;

        private Windows(List<TrainingWindow> windows) {
            this.windows = windows;
        }

        public int size() {
            return windows.size();
        }

        /** Windows {@code from} (inclusive) to {@code to} (exclusive). */
        public Windows subList(int from, int to) {
            return new Windows(windows.subList(from, to));
        }

        /** The windows cut into batch rows of at most {@code context} positions. */
        public Pieces pieces(int context) {
            List<TrainingWindow.Piece> pieces = new ArrayList<>();
            for (TrainingWindow w : windows) {
                pieces.addAll(w.pieces(context));
            }
            return new Pieces(pieces, windows.get(0).batchKey());
        }
    }

    /** One batch's rows and their shared codec and temperature. */
    public static final class Pieces {
        private final List<TrainingWindow.Piece> pieces;
        private final TrainingWindow.BatchKey key;

        private Pieces(List<TrainingWindow.Piece> pieces, TrainingWindow.BatchKey key) {
            this.pieces = pieces;
            this.key = key;
        }

        /** The batch, its arrays in a new sub-manager of {@code parent}, closed with it. */
        public Batch assemble(NDManager parent) {
            return BatchAssembler.assemble(parent, pieces, key);
        }

        /** The same rows without their soft labels: what a hard-label student trains on. */
        public Batch assembleWithoutTeacher(NDManager parent) {
            Batch b = assemble(parent);
            return new Batch(b.manager(), b.tokens(), b.targets(), b.mask(), Optional.empty());
        }

        /** Positions whose target is a real token: what the trainer's tokens/s counts. */
        public long realPositions() {
            return BatchAssembler.realPositions(pieces);
        }
    }
}
