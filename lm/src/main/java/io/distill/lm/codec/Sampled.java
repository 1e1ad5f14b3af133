package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code sampled:N}: N draws from the teacher distribution at temperature T per position, as distinct ids and
 * counts; count / N is an unbiased estimate of the distribution ({@link SampledTargets}). Layout in {@link
 * SampledLayout}.
 */
public record Sampled(int n) implements Codec {
    static final String NAME = "sampled";

    /** Draw counts travel as one unsigned byte. */
    public static final int MAX_DRAWS = 255;

    public Sampled {
        if (n < 1) {
            throw new IllegalArgumentException("a codec needs a size of at least 1, got " + n);
        }
        if (n > MAX_DRAWS) {
            throw new IllegalArgumentException("sampled:N takes at most " + MAX_DRAWS + " draws, got " + n);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public void checkVocabulary(int vocab) {
        // any number of draws fits any vocabulary: draws repeat ids
    }

    @Override
    public BatchEncoder encoder(NDArray scaled, NDArray logSumExp) {
        int t = (int) scaled.getShape().get(1);
        int v = (int) scaled.getShape().get(2);
        float[] probs = scaled.softmax(-1).toFloatArray(); // (B, T, V) p_T
        return new BatchEncoder() {
            /** A finite log-sum-exp (checked by the caller) makes every probability finite. */
            @Override
            public int firstNonFinite(int row, int positions) {
                return -1;
            }

            @Override
            public byte[] encode(int row, int positions, long seed) {
                int[][] ids = new int[positions][];
                int[][] counts = new int[positions][];
                double[] cdf = new double[v];
                int[] drawn = new int[v];
                SplittableRandom random = new SplittableRandom(seed);
                for (int j = 0; j < positions; j++) {
                    int base = (row * t + j) * v;
                    double total = 0;
                    for (int id = 0; id < v; id++) {
                        total += probs[base + id];
                        cdf[id] = total;
                    }
                    Arrays.fill(drawn, 0);
                    int distinct = 0;
                    for (int draw = 0; draw < n; draw++) {
                        int id = search(cdf, random.nextDouble() * total);
                        if (drawn[id]++ == 0) {
                            distinct++;
                        }
                    }
                    ids[j] = new int[distinct];
                    counts[j] = new int[distinct];
                    for (int id = 0, m = 0; m < distinct; id++) {
                        if (drawn[id] > 0) {
                            ids[j][m] = id;
                            counts[j][m++] = drawn[id];
                        }
                    }
                }
                return SampledLayout.pack(ids, counts, n);
            }
        };
    }

    /** The first id whose cumulative probability exceeds {@code u}; ids of zero probability are never chosen. */
    private static int search(double[] cdf, double u) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    @Override
    public WindowLabels decode(byte[] payload, int positions, int vocab) {
        return SampledLayout.unpack(PayloadReader.open(payload, SampledLayout.LAYOUT, this), positions, n, vocab);
    }

    @Override
    public SoftTargets targets(NDManager manager, List<WindowLabels> rows, int length, float temperature) {
        int width = 1;
        for (WindowLabels row : rows) {
            for (int[] positionIds : row.ids()) {
                width = Math.max(width, positionIds.length);
            }
        }
        TargetArrays arrays = TargetArrays.of(manager, rows, length, width, false, 0f, WindowLabels::weights);
        return new SampledTargets(arrays.ids(), arrays.values(), temperature);
    }

    /** Forward KL only: draw counts estimate terms linear in p and nothing else ({@link SampledTargets}). */
    @Override
    public void checkLoss(Divergence divergence) {
        requireLinear(divergence);
    }

    static void requireLinear(Divergence divergence) {
        if (!divergence.linearInTeacher()) {
            throw new IllegalArgumentException(divergence.spec() + " needs the teacher's probability of each token, "
                    + "and sampled:N carries only draw counts; use topk:K, or forward-kl");
        }
    }

    /** The sampled loss is a cross-entropy: it tends to the teacher's entropy, not 0, when the student matches. */
    @Override
    public boolean lossIsKl() {
        return false;
    }

    @Override
    public String toString() {
        return NAME + ":" + n;
    }
}
