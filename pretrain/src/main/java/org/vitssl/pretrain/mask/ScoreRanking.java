package org.vitssl.pretrain.mask;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Deterministic ordering of patch scores. <b>Tie rule</b>: among equal scores the lower patch index
 * comes first, in both directions. So "high" masks the lower index first among tied scores, "low"
 * also masks the lower index first, and the "bottom k" of the descending order (Reppas negatives)
 * are the last k of that same order (among ties there: the higher indices). NaN scores are ranked as
 * the lowest values.
 */
public final class ScoreRanking {
    private ScoreRanking() {}

    /** Patch indices by descending score, ties by ascending index (a stable sort). */
    public static int[] descending(float[] scores) {
        return order(scores, true);
    }

    /** Patch indices by ascending score, ties by ascending index (a stable sort). */
    public static int[] ascending(float[] scores) {
        return order(scores, false);
    }

    private static int[] order(float[] s, boolean desc) {
        Integer[] idx = new Integer[s.length];
        for (int i = 0; i < s.length; i++) idx[i] = i;
        Comparator<Integer> byScore = (a, b) -> {
            float x = Float.isNaN(s[a]) ? Float.NEGATIVE_INFINITY : s[a];
            float y = Float.isNaN(s[b]) ? Float.NEGATIVE_INFINITY : s[b];
            if (x == y) return 0;                                   // also -0.0 == 0.0
            return desc ? (x > y ? -1 : 1) : (x < y ? -1 : 1);
        };
        Arrays.sort(idx, byScore);   // TimSort is stable: equal scores keep index order
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) out[i] = idx[i];
        return out;
    }

    /** A mask with the first {@code n} indices of {@code order} set. */
    static boolean[] firstN(int[] order, int n) {
        boolean[] m = new boolean[order.length];
        for (int i = 0; i < Math.min(n, order.length); i++) m[order[i]] = true;
        return m;
    }
}
