package io.distill.lm.bytes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The prefix tree of a vocabulary's byte strings (Phan et al. 2024's prefix tree over the vocabulary; Vieira et al.
 * 2024's trie): node {@code u} stands for a byte string, and the ids whose bytes start with {@code u} are one
 * contiguous range of {@link #order()}, so the probability mass of every token extending {@code u} is one difference
 * of a prefix sum ({@link TokenMass}).
 *
 * <p>Ids are sorted by their bytes (unsigned, a prefix before its extensions, ties by id). Within a node's range the ids
 * whose bytes equal {@code u} exactly come first; the rest are the children's ranges, in byte order. The root's exact
 * ids are the ones with no bytes (special tokens).
 */
public final class ByteTrie {
    public static final int ROOT = 0;
    private static final int NONE = -1;

    private final int[] order;
    private final int[] lo;
    private final int[] exactEnd;
    private final int[] hi;
    private final int[] firstChild;
    private final int[] childCount;
    private final byte[] childByte;
    private final int[] childNode;

    private ByteTrie(int[] order, List<int[]> nodes, byte[] childByte, int[] childNode) {
        this.order = order;
        int n = nodes.size();
        lo = new int[n];
        exactEnd = new int[n];
        hi = new int[n];
        firstChild = new int[n];
        childCount = new int[n];
        for (int i = 0; i < n; i++) {
            int[] node = nodes.get(i);
            lo[i] = node[0];
            exactEnd[i] = node[1];
            hi[i] = node[2];
            firstChild[i] = node[3];
            childCount[i] = node[4];
        }
        this.childByte = childByte;
        this.childNode = childNode;
    }

    /** The trie of {@code pieces[id]}, the bytes of every id (empty for special tokens). */
    public static ByteTrie of(byte[][] pieces) {
        Integer[] ids = new Integer[pieces.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Arrays.sort(
                ids,
                Comparator.<Integer, byte[]>comparing(i -> pieces[i], Arrays::compareUnsigned)
                        .thenComparing(i -> i));
        int[] order = Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
        Builder b = new Builder(pieces, order);
        b.build(0, order.length, 0);
        return new ByteTrie(order, b.nodes, Arrays.copyOf(b.childByte, b.edges), Arrays.copyOf(b.childNode, b.edges));
    }

    /** Ids in trie order: node {@code u} owns positions {@code [lo(u), hi(u))}. */
    int[] order() {
        return order;
    }

    public int vocabSize() {
        return order.length;
    }

    public int nodes() {
        return lo.length;
    }

    /** First position of the ids whose bytes start with the node's string. */
    int lo(int node) {
        return lo[node];
    }

    /** End of the ids whose bytes are exactly the node's string ({@code [lo, exactEnd)}). */
    int exactEnd(int node) {
        return exactEnd[node];
    }

    int hi(int node) {
        return hi[node];
    }

    int childCount(int node) {
        return childCount[node];
    }

    /** The byte of the node's {@code k}-th child, unsigned. */
    int childByte(int node, int k) {
        return childByte[firstChild[node] + k] & 0xff;
    }

    int childNode(int node, int k) {
        return childNode[firstChild[node] + k];
    }

    /** The node for the node's string followed by {@code b}, or -1 when no id's bytes start so. */
    public int child(int node, int b) {
        int low = firstChild[node];
        int high = low + childCount[node] - 1;
        while (low <= high) { // children are in unsigned byte order
            int mid = (low + high) >>> 1;
            int c = childByte[mid] & 0xff;
            if (c < b) {
                low = mid + 1;
            } else if (c > b) {
                high = mid - 1;
            } else {
                return childNode[mid];
            }
        }
        return NONE;
    }

    private static final class Builder {
        final byte[][] pieces;
        final int[] order;
        final List<int[]> nodes = new ArrayList<>();
        byte[] childByte = new byte[1024];
        int[] childNode = new int[1024];
        int edges;

        Builder(byte[][] pieces, int[] order) {
            this.pieces = pieces;
            this.order = order;
        }

        /** The node of the ids in {@code [from, to)}, which share their first {@code depth} bytes. */
        int build(int from, int to, int depth) {
            int self = nodes.size();
            int[] node = new int[5];
            nodes.add(node);
            int exact = from;
            while (exact < to && pieces[order[exact]].length == depth) {
                exact++;
            }
            List<int[]> groups = new ArrayList<>(); // {byte, from, to}
            for (int i = exact; i < to; ) {
                byte b = pieces[order[i]][depth];
                int j = i;
                while (j < to && pieces[order[j]][depth] == b) {
                    j++;
                }
                groups.add(new int[] {b, i, j});
                i = j;
            }
            int first = reserve(groups.size());
            for (int k = 0; k < groups.size(); k++) {
                int[] g = groups.get(k);
                int child = build(g[1], g[2], depth + 1); // may grow the arrays: store after it returns
                childByte[first + k] = (byte) g[0];
                childNode[first + k] = child;
            }
            node[0] = from;
            node[1] = exact;
            node[2] = to;
            node[3] = first;
            node[4] = groups.size();
            return self;
        }

        int reserve(int n) {
            if (edges + n > childByte.length) {
                int size = Math.max(childByte.length * 2, edges + n);
                childByte = Arrays.copyOf(childByte, size);
                childNode = Arrays.copyOf(childNode, size);
            }
            int first = edges;
            edges += n;
            return first;
        }
    }
}
