package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;
import java.util.List;

/**
 * {@code topk:K}: the K most likely ids of each position at temperature T, their probabilities, and the exact tail
 * mass outside them, so the KD loss is the exact KL between the two distributions coarsened to K + 1 outcomes
 * ({@link TopKTargets}). Layout in {@link TopKLayout}.
 */
public record TopK(int k) implements Codec {
    static final String NAME = "topk";

    public TopK {
        if (k < 1) {
            throw new IllegalArgumentException("a codec needs a size of at least 1, got " + k);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int size() {
        return k;
    }

    @Override
    public void checkVocabulary(int vocab) {
        if (k > vocab) {
            throw new IllegalArgumentException(this + " keeps more ids than the vocabulary of " + vocab + " has");
        }
    }

    @Override
    public BatchEncoder encoder(NDArray logProbsAtT, float temperature) {
        int t = (int) logProbsAtT.getShape().get(1);
        // values (B, T, k) log p_T and ids (B, T, k) int64, unsorted: the layout orders them by id anyway
        NDList top = logProbsAtT.topK(k, -1, true, false);
        float[] logProbs = top.get(0).toFloatArray();
        long[] ids = top.get(1).toLongArray();
        return new BatchEncoder() {
            /**
             * A NaN row (a NaN or +inf logit) has NaN in its top K; a -inf logit is harmless (probability 0) unless
             * fewer than K are finite and it makes the top K.
             */
            @Override
            public int firstNonFinite(int row, int positions) {
                for (int j = 0; j < positions; j++) {
                    int base = (row * t + j) * k;
                    for (int m = 0; m < k; m++) {
                        if (!Float.isFinite(logProbs[base + m])) {
                            return j;
                        }
                    }
                }
                return -1;
            }

            @Override
            public byte[] encode(int row, int positions, long seed) {
                int[][] positionIds = new int[positions][k];
                float[][] positionLogProbs = new float[positions][k];
                for (int j = 0; j < positions; j++) {
                    int base = (row * t + j) * k;
                    for (int m = 0; m < k; m++) {
                        positionIds[j][m] = (int) ids[base + m];
                        positionLogProbs[j][m] = logProbs[base + m];
                    }
                }
                return TopKLayout.pack(positionIds, positionLogProbs);
            }
        };
    }

    @Override
    public WindowLabels decode(byte[] payload, int positions, int vocab) {
        checkVocabulary(vocab);
        return TopKLayout.unpack(PayloadReader.open(payload, TopKLayout.LAYOUT, this), positions, k, vocab);
    }

    @Override
    public SoftTargets targets(NDManager manager, List<WindowLabels> rows, int length, float temperature) {
        TargetArrays arrays =
                TargetArrays.of(manager, rows, length, k, true, TopKTargets.PAD_LOG_PROB, WindowLabels::logProbs);
        return new TopKTargets(arrays.ids(), arrays.values(), temperature);
    }

    /** Every divergence: top-k carries the teacher's log-probabilities ({@link TopKTargets}). */
    @Override
    public void checkLoss(Divergence divergence) {}

    @Override
    public boolean lossIsKl() {
        return true;
    }

    @Override
    public String toString() {
        return NAME + ":" + k;
    }
}
