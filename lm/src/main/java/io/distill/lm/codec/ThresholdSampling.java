package io.distill.lm.codec;

import java.util.SplittableRandom;

/** Experiment: threshold (PPS without replacement) sampling of n distinct ids. */
final class ThresholdSampling {
    private ThresholdSampling() {}

    /** ids, ln weights, and a rank proxy (larger for likelier) for the most-drawn byte. */
    record Draw(int[] ids, double[] lnWeights, int[] rank) {}

    static Draw draw(float[] p, int base, int v, int n, SplittableRandom random) {
        int cap = Math.min(n, v);
        int[] top = new int[cap];
        int filled = 0;
        for (int id = 0; id < v; id++) {
            float x = p[base + id];
            if (filled < cap) {
                int k = filled++;
                while (k > 0 && p[base + top[k - 1]] < x) {
                    top[k] = top[k - 1];
                    k--;
                }
                top[k] = id;
            } else if (x > p[base + top[cap - 1]]) {
                int k = cap - 1;
                while (k > 0 && p[base + top[k - 1]] < x) {
                    top[k] = top[k - 1];
                    k--;
                }
                top[k] = id;
            }
        }
        double total = 0;
        for (int id = 0; id < v; id++) {
            total += p[base + id];
        }
        double tail = total;
        int head = 0;
        while (head < cap && p[base + top[head]] > 0 && p[base + top[head]] >= tail / (n - head)) {
            tail -= p[base + top[head]];
            head++;
        }
        boolean[] inHead = new boolean[v];
        for (int h = 0; h < head; h++) {
            inHead[top[h]] = true;
        }
        tail = 0;
        for (int id = 0; id < v; id++) {
            if (!inHead[id]) {
                tail += p[base + id];
            }
        }
        int draws = n - head;
        int[] ids = new int[n];
        double[] ln = new double[n];
        int[] rank = new int[n];
        for (int h = 0; h < head; h++) {
            ids[h] = top[h];
            ln[h] = Math.log(p[base + top[h]]);
            rank[h] = 2;
        }
        int m = head;
        if (draws > 0 && tail > 0) {
            double tau = tail / draws;
            double point = random.nextDouble();
            double cumulative = 0;
            for (int id = 0; id < v && m < n; id++) {
                if (inHead[id]) {
                    continue;
                }
                cumulative += p[base + id] / tau;
                if (point < cumulative) {
                    ids[m] = id;
                    ln[m] = Math.log(tau);
                    rank[m++] = 1;
                    while (point < cumulative) {
                        point += 1;
                    }
                }
            }
        }
        if (head > 0) {
            rank[0] = 3;
        }
        return new Draw(
                java.util.Arrays.copyOf(ids, m), java.util.Arrays.copyOf(ln, m), java.util.Arrays.copyOf(rank, m));
    }
}
