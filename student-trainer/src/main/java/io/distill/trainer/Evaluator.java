package io.distill.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Padding;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.train.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The student measured on the held-out windows, without training: the figures a checkpoint is published with.
 * Positions are those whose target is not padding, the positions the teacher's {@code targetNats} sums over.
 */
final class Evaluator {

    /**
     * @param windows held-out windows evaluated
     * @param positions positions scored
     * @param bitsPerByte the student's cross-entropy on the hard targets at T = 1, in bits per UTF-8 byte of the
     *     targets' text (for the byte tokenizer, per byte token), so students of different tokenizers compare
     * @param klToTeacher mean KL(teacher_T || student_T) per position on top-k windows, with the tail bucket; empty
     *     when no window is top-k (a sampled codec carries no teacher probabilities to compute a KL from)
     * @param top1Agreement share of positions where the student's most likely token is the teacher's (top-k: the
     *     highest probability; sampled: the largest weight, or the most drawn for draws with replacement; ties to the
     *     lower id)
     * @param teacherBitsPerByte the teacher's own cross-entropy on the windows that carry it, in the same unit
     */
    record Metrics(
            int windows,
            long positions,
            double bitsPerByte,
            OptionalDouble klToTeacher,
            double top1Agreement,
            OptionalDouble teacherBitsPerByte) {

        /** The metrics map of a CheckpointPublished record. */
        Map<String, Double> asMap() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("holdout_bits_per_byte", bitsPerByte);
            klToTeacher.ifPresent(v -> m.put("kl_to_teacher", v));
            m.put("top1_agreement", top1Agreement);
            teacherBitsPerByte.ifPresent(v -> m.put("teacher_bits_per_byte", v));
            m.put("holdout_windows", (double) windows);
            m.put("holdout_positions", (double) positions);
            return m;
        }
    }

    private Evaluator() {}

    /** For the own byte-level models. */
    static Optional<Metrics> evaluate(Gpt model, NDManager manager, List<TrainingWindow> windows, int batchSize) {
        return evaluate(model, ByteTokenizer.get(), manager, windows, batchSize);
    }

    /** Empty when there is nothing to evaluate on. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    static Optional<Metrics> evaluate(
            Gpt model, Tokenizer tokenizer, NDManager manager, List<TrainingWindow> windows, int batchSize) {
        if (windows.isEmpty()) {
            return Optional.empty();
        }
        int context = model.config().context();
        Map<TrainingWindow.BatchKey, List<TrainingWindow.Piece>> byKey = new LinkedHashMap<>();
        for (TrainingWindow w : windows) {
            byKey.computeIfAbsent(w.batchKey(), k -> new ArrayList<>()).addAll(w.pieces(context));
        }
        ParameterStore ps = new ParameterStore(manager, false);
        double nats = 0;
        double kl = 0;
        long klPositions = 0;
        long positions = 0;
        long agree = 0;
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (Map.Entry<TrainingWindow.BatchKey, List<TrainingWindow.Piece>> e : byKey.entrySet()) {
                List<TrainingWindow.Piece> pieces = e.getValue();
                for (int from = 0; from < pieces.size(); from += batchSize) {
                    List<TrainingWindow.Piece> chunk = pieces.subList(from, Math.min(pieces.size(), from + batchSize));
                    try (Batch batch = BatchAssembler.assemble(manager, chunk, e.getKey())) {
                        NDArray mask = batch.mask(); // (B, T)
                        NDArray logits = model.logits(ps, batch.tokens(), false); // (B, T, V)
                        NDArray logProbs = logits.logSoftmax(-1); // (B, T, V)
                        NDArray nll = logProbs.gather(batch.targets().expandDims(-1), -1)
                                .squeeze(-1)
                                .neg(); // (B, T)
                        nats += sum(nll.mul(mask));
                        long counted = (long) sum(mask);
                        positions += counted;
                        if (e.getKey().codec().lossIsKl()) {
                            float t = e.getKey().temperature();
                            NDArray studentT = (t == 1f ? logits : logits.div(t)).logSoftmax(-1);
                            NDArray perPosition = batch.teacher().orElseThrow().lossPerPosition(studentT); // (B, T)
                            kl += sum(perPosition.mul(mask));
                            klPositions += counted;
                        }
                        agree += agreements(logits.argMax(-1).toLongArray(), chunk, (int) batch.length());
                    }
                }
            }
        }
        if (positions == 0) {
            return Optional.empty();
        }
        double ln2 = Math.log(2);
        long bytes = 0;
        for (TrainingWindow w : windows) {
            bytes += targetBytes(w, tokenizer);
        }
        return Optional.of(new Metrics(
                windows.size(),
                positions,
                nats / Math.max(1, bytes) / ln2,
                klPositions == 0 ? OptionalDouble.empty() : OptionalDouble.of(kl / klPositions),
                (double) agree / positions,
                teacherBitsPerByte(windows, tokenizer)));
    }

    /** Positions where the student's argmax equals the teacher's most likely id. */
    private static long agreements(long[] studentArgmax, List<TrainingWindow.Piece> pieces, int length) {
        long agree = 0;
        for (int i = 0; i < pieces.size(); i++) {
            TrainingWindow.Piece p = pieces.get(i);
            for (int t = 0; t < p.positions(); t++) {
                if (p.tokens()[t + 1] == Padding.PAD) {
                    continue;
                }
                agree += studentArgmax[i * length + t] == p.soft().mostLikely(t) ? 1 : 0;
            }
        }
        return agree;
    }

    private static OptionalDouble teacherBitsPerByte(List<TrainingWindow> windows, Tokenizer tokenizer) {
        double nats = 0;
        long bytes = 0;
        for (TrainingWindow w : windows) {
            if (w.targetNats().isPresent()) {
                nats += w.targetNats().getAsDouble();
                bytes += targetBytes(w, tokenizer);
            }
        }
        return bytes == 0 ? OptionalDouble.empty() : OptionalDouble.of(nats / bytes / Math.log(2));
    }

    /**
     * The UTF-8 bytes a window's targets stand for: the decoded bytes of its tokens after the first (a tokenizer
     * that drops a leading space at the start of a text undercounts by that one byte per window).
     */
    private static long targetBytes(TrainingWindow w, Tokenizer tokenizer) {
        int[] tokens = w.tokens();
        int n = 0;
        int[] targets = new int[Math.max(0, tokens.length - 1)];
        for (int j = 1; j < tokens.length; j++) {
            if (tokens[j] != Padding.PAD) {
                targets[n++] = tokens[j];
            }
        }
        return tokenizer.decode(Arrays.copyOf(targets, n)).length;
    }

    private static double sum(NDArray a) {
        return a.sum().toType(DataType.FLOAT64, false).getDouble();
    }
}
