package org.vitssl.evaluate.knn;

import java.io.Serializable;

/**
 * The running top-k neighbour lists of a block of consecutive queries. Each list is kept sorted by
 * the total order (similarity desc, bank image_id asc, label asc), so merging partial lists from any
 * number of bank shards, in any order, gives the same result as one brute-force pass. Entries equal in
 * all three keys are interchangeable for the vote, so the order is total for every purpose.
 */
public final class TopKBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int firstQuery;
    public final int queries;
    public final int k;
    public final double[] sims;
    public final int[] labels;
    public final String[] ids;
    public final int[] counts;

    public TopKBlock(int firstQuery, int queries, int k) {
        this.firstQuery = firstQuery;
        this.queries = queries;
        this.k = k;
        this.sims = new double[queries * k];
        this.labels = new int[queries * k];
        this.ids = new String[queries * k];
        this.counts = new int[queries];
    }

    /** Negative if (s1, id1, l1) comes before (s2, id2, l2) in the neighbour order. */
    static int compare(double s1, String id1, int l1, double s2, String id2, int l2) {
        if (s1 != s2) return s1 > s2 ? -1 : 1;
        int c = id1.compareTo(id2);
        if (c != 0) return c;
        return Integer.compare(l1, l2);
    }

    /** True when list {@code q} (block-local index) is full. */
    public boolean full(int q) {
        return counts[q] == k;
    }

    /** The similarity of the last kept entry of list {@code q}; only meaningful when full. */
    public double kth(int q) {
        return sims[q * k + k - 1];
    }

    /** Offers a neighbour to list {@code q}; keeps it if it ranks among the best k. */
    public void offer(int q, double s, String id, int label) {
        int base = q * k;
        int n = counts[q];
        if (n == k && compare(s, id, label, sims[base + k - 1], ids[base + k - 1], labels[base + k - 1]) >= 0) return;
        // binary search for the insertion point
        int lo = 0, hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(sims[base + mid], ids[base + mid], labels[base + mid], s, id, label) <= 0) lo = mid + 1;
            else hi = mid;
        }
        int last = Math.min(n, k - 1);
        for (int i = last; i > lo; i--) {
            sims[base + i] = sims[base + i - 1];
            ids[base + i] = ids[base + i - 1];
            labels[base + i] = labels[base + i - 1];
        }
        sims[base + lo] = s;
        ids[base + lo] = id;
        labels[base + lo] = label;
        if (n < k) counts[q] = n + 1;
    }

    /** The merge of two partial results for the same queries (neither is modified). */
    public static TopKBlock merge(TopKBlock a, TopKBlock b) {
        if (a.firstQuery != b.firstQuery || a.queries != b.queries || a.k != b.k) {
            throw new IllegalStateException("merging different query blocks");
        }
        TopKBlock m = new TopKBlock(a.firstQuery, a.queries, a.k);
        int k = a.k;
        for (int q = 0; q < a.queries; q++) {
            int base = q * k, i = 0, j = 0, o = 0;
            int na = a.counts[q], nb = b.counts[q];
            while (o < k && (i < na || j < nb)) {
                boolean takeA;
                if (i >= na) takeA = false;
                else if (j >= nb) takeA = true;
                else takeA = compare(a.sims[base + i], a.ids[base + i], a.labels[base + i],
                        b.sims[base + j], b.ids[base + j], b.labels[base + j]) <= 0;
                TopKBlock src = takeA ? a : b;
                int at = base + (takeA ? i++ : j++);
                m.sims[base + o] = src.sims[at];
                m.ids[base + o] = src.ids[at];
                m.labels[base + o] = src.labels[at];
                o++;
            }
            m.counts[q] = o;
        }
        return m;
    }
}
