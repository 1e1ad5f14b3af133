package io.distill.trainer;

import io.distill.lm.codec.TopKTargets;
import io.distill.lm.codec.WindowLabels;
import java.util.List;

/**
 * The mixture of several teachers' decoded signals for the same byte positions, in probability space: per position,
 * m = sum_a w_a p_a over the whole vocabulary. Each teacher's p_a is made dense from its {@link WindowLabels}
 * whatever the codec: the listed ids carry their weights and the tail mass (top-k's mass outside its ids, 0 for
 * sampled) is spread evenly over the ids not listed, since the payload says nothing about how it splits.
 *
 * <p>When every teacher's weights are probabilities (their labels carry log-probabilities, as top-k's do), m is a
 * distribution: the result lists every id with ln m as its log-probability and trains as {@code topk:V}. Otherwise
 * (a sampled teacher's importance weights are unbiased estimates of p) m is an unbiased estimate of the mixture:
 * the result lists the ids of positive weight and no log-probabilities, and trains as that teacher's codec does.
 */
final class MixedLabels {

    private MixedLabels() {}

    /** Whether the labels carry probabilities, not estimates of them. */
    static boolean exact(WindowLabels labels) {
        return labels.logProbs() != null;
    }

    /** Teacher {@code labels}' distribution at position {@code t} over {@code vocab} ids. */
    static double[] dense(WindowLabels labels, int t, int vocab) {
        double[] p = new double[vocab];
        int[] ids = labels.ids()[t];
        for (int j = 0; j < ids.length; j++) {
            p[ids[j]] += labels.weights()[t][j];
        }
        double tail = labels.tailMass(t);
        int unlisted = vocab - ids.length;
        if (tail > 0 && unlisted > 0) {
            double each = tail / unlisted;
            boolean[] listed = new boolean[vocab];
            for (int id : ids) {
                listed[id] = true;
            }
            for (int v = 0; v < vocab; v++) {
                p[v] += listed[v] ? 0 : each;
            }
        }
        return p;
    }

    /**
     * @param teachers each teacher's labels for the same positions
     * @param weights their weights, summing to 1
     */
    static WindowLabels mix(List<WindowLabels> teachers, double[] weights, int vocab) {
        int positions = teachers.get(0).positions();
        boolean exact = teachers.stream().allMatch(MixedLabels::exact);
        int[][] ids = new int[positions][];
        float[][] values = new float[positions][];
        float[][] logProbs = exact ? new float[positions][] : null;
        for (int t = 0; t < positions; t++) {
            double[] m = new double[vocab];
            for (int a = 0; a < teachers.size(); a++) {
                double[] p = dense(teachers.get(a), t, vocab);
                for (int v = 0; v < vocab; v++) {
                    m[v] += weights[a] * p[v];
                }
            }
            int width = exact
                    ? vocab
                    : (int) java.util.Arrays.stream(m).filter(x -> x > 0).count();
            ids[t] = new int[width];
            values[t] = new float[width];
            if (exact) {
                logProbs[t] = new float[width];
            }
            int j = 0;
            for (int v = 0; v < vocab; v++) {
                if (exact || m[v] > 0) {
                    ids[t][j] = v;
                    values[t][j] = (float) m[v];
                    if (exact) {
                        logProbs[t][j] = m[v] > 0
                                ? (float) Math.max(Math.log(m[v]), TopKTargets.PAD_LOG_PROB)
                                : TopKTargets.PAD_LOG_PROB;
                    }
                    j++;
                }
            }
        }
        return WindowLabels.byWeight(ids, values, logProbs, new float[positions]);
    }
}
