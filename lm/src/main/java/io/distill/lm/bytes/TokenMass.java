package io.distill.lm.bytes;

/**
 * One next-token distribution laid out along a {@link ByteTrie}: the mass of every token whose bytes start with a
 * node's string is {@code cum[hi] - cum[lo]}, so a projection step costs O(children) per hypothesis, not O(vocab).
 * Building it is one O(vocab) pass, the same order as the softmax that produced the distribution.
 */
final class TokenMass {
    private final ByteTrie trie;
    private final double[] p;
    private final double[] cum;

    TokenMass(ByteTrie trie, double[] p) {
        if (p.length != trie.vocabSize()) {
            throw new IllegalArgumentException(
                    "distribution over " + p.length + " ids, vocabulary of " + trie.vocabSize());
        }
        this.trie = trie;
        this.p = p;
        int[] order = trie.order();
        cum = new double[order.length + 1];
        for (int k = 0; k < order.length; k++) {
            cum[k + 1] = cum[k] + p[order[k]];
        }
    }

    /**
     * This distribution without the ids whose first byte extends {@code node}'s string into a longer vocabulary entry
     * (a child of {@code node}), renormalised; itself if nothing would remain. One O(vocab) pass.
     */
    TokenMass withoutExtensionsOf(int node) {
        double[] q = p.clone();
        int[] order = trie.order();
        for (int k = 0; k < trie.childCount(node); k++) {
            int first = trie.child(ByteTrie.ROOT, trie.childByte(node, k));
            if (first < 0) {
                continue; // no token starts with that byte
            }
            for (int j = trie.lo(first); j < trie.hi(first); j++) {
                q[order[j]] = 0;
            }
        }
        double sum = 0;
        for (double x : q) {
            sum += x;
        }
        if (!(sum > 0)) {
            return this;
        }
        for (int v = 0; v < q.length; v++) {
            q[v] /= sum;
        }
        return new TokenMass(trie, q);
    }

    /** p(id). */
    double of(int id) {
        return p[id];
    }

    /** The mass of the {@code k}-th child of {@code node}: ids whose bytes start with its string. */
    double child(int node, int k) {
        int c = trie.childNode(node, k);
        return range(trie.lo(c), trie.hi(c));
    }

    /**
     * Sum of the ids at trie positions {@code [from, to)}. Short ranges are summed directly: a difference of two
     * prefix sums near 1 keeps only about 1e-16 absolute, too coarse for a deep node's tiny mass.
     */
    private double range(int from, int to) {
        if (to - from > 64) {
            return cum[to] - cum[from];
        }
        int[] order = trie.order();
        double sum = 0;
        for (int k = from; k < to; k++) {
            sum += p[order[k]];
        }
        return sum;
    }
}
