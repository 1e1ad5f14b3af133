package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code sampled:N}, random-sampling KD (Anshumann et al., 2025, "Sparse Logit Sampling: Accelerating Knowledge
 * Distillation in LLMs"): per position, N ids drawn from the teacher and a weight for each whose expectation is the
 * teacher's probability p_T at the distillation temperature, so the sparse weights are an unbiased estimate of the
 * teacher ({@link SampledTargets} turns them into the loss).
 *
 * <p>The teacher draws at T itself by threshold sampling ({@link ThresholdDraws}): the ids of probability at least
 * a threshold are kept with their exact probability, and the rest are drawn systematically without replacement, so
 * a position carries N distinct ids (layout 3, {@link SampledSharesLayout}). This replaced N systematic draws with
 * replacement and weights count / N (layout 1, {@link SampledCountsLayout}), which spent draws on repeats and gave
 * the likely ids a count noise of up to 1 / N; docs/benchmarks.md has both measured. Draws from another proposal
 * travel with their importance ratios (layout 2, {@link SampledWeightsLayout}). All three layouts are read.
 */
public record Sampled(int n) implements Codec {
    static final String NAME = "sampled";

    /** Layout 1's draw counts and layout 3's kept-id indices travel as one unsigned byte each. */
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
    public BatchEncoder encoder(NDArray logProbs, float temperature) {
        return encoder(logProbs, temperature, proposalTemperature(temperature));
    }

    /** Draws at {@code tau}, weighted to estimate p_T; the unit tests draw at 1 where the teacher draws at T. */
    BatchEncoder encoder(NDArray logProbsAtT, float temperature, float tau) {
        int t = (int) logProbsAtT.getShape().get(1);
        int v = (int) logProbsAtT.getShape().get(2);
        boolean atT = tau == temperature;
        // ln p_tau: z / tau is (ln p_T + lse(z / T)) * T / tau, and the shift is gone after a log-softmax
        NDArray lnProposal =
                atT ? logProbsAtT : logProbsAtT.mul(temperature / tau).logSoftmax(-1);
        // (B, T, V) ln(p_T / p_tau), the importance ratios; unused when drawing from p_T itself
        NDArray lnRatios = atT ? null : logProbsAtT.sub(lnProposal);
        // a NaN or +inf logit makes the position's whole row NaN after the log-softmax, its first id included
        boolean[] nonFinite = lnProposal.get(new NDIndex(":, :, 0")).isNaN().toBooleanArray(); // (B, T)
        return new BatchEncoder() {
            @Override
            public int firstNonFinite(int row, int positions) {
                for (int j = 0; j < positions; j++) {
                    if (nonFinite[row * t + j]) {
                        return j;
                    }
                }
                return -1;
            }

            /**
             * One window at a time, its real positions only: the whole batch's distributions copied out of libtorch
             * at once would be a 1 GB array at 128k ids and 16 x 128 positions, over a container's heap.
             */
            @Override
            public byte[] encode(int row, int positions, long seed) {
                SplittableRandom random = new SplittableRandom(seed);
                float[] proposal = rowOf(lnProposal, row, positions, true); // (positions, V) p_tau
                if (atT) {
                    ThresholdDraws draws = new ThresholdDraws(n, v);
                    ThresholdDraws.Position[] drawn = new ThresholdDraws.Position[positions];
                    for (int j = 0; j < positions; j++) {
                        drawn[j] = draws.draw(proposal, j * v, random);
                    }
                    return SampledSharesLayout.pack(drawn, random);
                }
                return withReplacement(proposal, rowOf(lnRatios, row, positions, false), positions, random);
            }

            /** N systematic draws from the proposal, each distinct id weighted (count / N) * p_T / p_tau. */
            private byte[] withReplacement(float[] proposal, float[] lnRatios, int positions, SplittableRandom random) {
                int[][] ids = new int[positions][];
                int[][] counts = new int[positions][];
                double[][] lnWeights = new double[positions][];
                double[] cdf = new double[v];
                int[] drawn = new int[v];
                for (int j = 0; j < positions; j++) {
                    int base = j * v;
                    double total = 0;
                    for (int id = 0; id < v; id++) {
                        total += proposal[base + id];
                        cdf[id] = total;
                    }
                    Arrays.fill(drawn, 0);
                    int distinct = 0;
                    // systematic draws: one uniform offset, then N evenly spaced points of the cumulative
                    // distribution. Each id is still drawn N * q(id) times on average (unbiased), but an id of
                    // probability q gets floor or ceil of N * q draws, never 0 or 2N * q by chance.
                    double offset = random.nextDouble();
                    for (int draw = 0; draw < n; draw++) {
                        int id = search(cdf, (draw + offset) / n * total);
                        if (drawn[id]++ == 0) {
                            distinct++;
                        }
                    }
                    ids[j] = new int[distinct];
                    counts[j] = new int[distinct];
                    lnWeights[j] = new double[distinct];
                    for (int id = 0, m = 0; m < distinct; id++) {
                        if (drawn[id] > 0) {
                            ids[j][m] = id;
                            counts[j][m] = drawn[id];
                            lnWeights[j][m++] = Math.log(drawn[id] / (double) n) + lnRatios[base + id];
                        }
                    }
                }
                return SampledWeightsLayout.pack(ids, counts, lnWeights, random);
            }
        };
    }

    /** {@code array[row, :positions]} (positions, V) as floats, exponentiated if asked; the slices freed at once. */
    private static float[] rowOf(NDArray array, int row, int positions, boolean exp) {
        try (NDArray slice = array.get(new NDIndex("{}, :{}", row, positions))) {
            if (!exp) {
                return slice.toFloatArray();
            }
            try (NDArray p = slice.exp()) {
                return p.toFloatArray();
            }
        }
    }

    /**
     * The temperature the draws are taken at: T itself, so no importance ratio is needed ({@link ThresholdDraws}).
     * The paper's proposal at T = 1 (ratios p_T / p_1) was measured and lost here (docs/benchmarks.md: 9.3% behind
     * dense KD at T = 2 where draws at T were 3.8% behind): it puts the draws on the likely ids, but a tail id drawn
     * once then carries a ratio of 10-100, and 12 draws give a target dominated by whichever tail id came up. The
     * proposal that makes the weights of p_T constant is p_T; the payload carries weights, so another proposal
     * needs no new layout.
     */
    static float proposalTemperature(float temperature) {
        return temperature;
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
        PayloadReader in = PayloadReader.open(
                payload, this, SampledCountsLayout.LAYOUT, SampledWeightsLayout.LAYOUT, SampledSharesLayout.LAYOUT);
        return switch (in.layout()) {
            case SampledSharesLayout.LAYOUT -> SampledSharesLayout.unpack(in, positions, n, vocab);
            case SampledCountsLayout.LAYOUT -> SampledCountsLayout.unpack(in, positions, n, vocab);
            default -> SampledWeightsLayout.unpack(in, positions, n, vocab);
        };
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

    /** Forward KL only: importance weights estimate terms linear in p and nothing else ({@link SampledTargets}). */
    @Override
    public void checkLoss(Divergence divergence) {
        requireLinear(divergence);
    }

    static void requireLinear(Divergence divergence) {
        if (!divergence.linearInTeacher()) {
            throw new IllegalArgumentException(divergence.spec() + " needs the teacher's probability of each token, "
                    + "and sampled:N carries only importance weights of draws; use topk:K, or forward-kl");
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
