package io.distill.lm.bytes;

/**
 * One next-token distribution laid out along a {@link ByteTrie}: the mass of every token whose bytes start with a
 * node's string is {@code cum[hi] - cum[lo]}, so a projection step costs O(children) per hypothesis, not O(vocab).
 * Building it is one O(vocab) pass, the same order as the softmax that produced the distribution.
 *
 * <p>A guess for a dropped cover ({@link #withoutExtensionsOf}) is a view of a distribution without the ids that start
 * with some bytes, renormalised: it shares the arrays and costs O(256), not O(vocab).
 */
final class TokenMass {
    private final ByteTrie trie;
    private final double[] p;
    private final double[] cum;
    /** First bytes whose ids this distribution leaves out, or null. */
    private final boolean[] removed;
    /** 1 / what is left. */
    private final double scale;

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
        this.removed = null;
        this.scale = 1;
    }

    private TokenMass(TokenMass base, boolean[] removed, double scale) {
        this.trie = base.trie;
        this.p = base.p;
        this.cum = base.cum;
        this.removed = removed;
        this.scale = scale;
    }

    /**
     * This distribution without the ids whose first byte extends {@code node}'s string into a longer vocabulary entry
     * (a child of {@code node}), renormalised; itself if nothing would remain.
     */
    TokenMass withoutExtensionsOf(int node) {
        boolean[] out = new boolean[256];
        double left = cum[cum.length - 1];
        for (int k = 0; k < trie.childCount(node); k++) {
            int b = trie.childByte(node, k);
            int first = trie.child(ByteTrie.ROOT, b);
            if (first >= 0) {
                out[b] = true;
                left -= range(trie.lo(first), trie.hi(first));
            }
        }
        return left > 0 ? new TokenMass(this, out, 1 / left) : this;
    }

    /** Whether this distribution leaves out every id that starts with byte {@code b}. */
    boolean removes(int b) {
        return removed != null && removed[b];
    }

    /**
     * p(id), for an id that spells nothing or whose first byte this distribution keeps (the walk asks no other: a
     * hypothesis whose first byte is {@linkplain #removes removed} goes no further).
     */
    double of(int id) {
        return p[id] * scale;
    }

    /** The mass of the {@code k}-th child of {@code node}: ids whose bytes start with its string. */
    double child(int node, int k) {
        if (node == ByteTrie.ROOT && removes(trie.childByte(node, k))) {
            return 0;
        }
        int c = trie.childNode(node, k);
        return range(trie.lo(c), trie.hi(c)) * scale;
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
