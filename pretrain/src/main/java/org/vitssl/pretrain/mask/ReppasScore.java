package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;

import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * One Reppas scoring method (ALGORITHMS.md section 5.3, {@code --mask}) with its layer and power.
 *
 * <pre>
 *   raw                    mean_h A_L[:, h, 0, 1:]
 *   log-raw                (1/H) sum_h log A_L[:, h, 0, 1:]
 *   power                  (1/H) sum_h A_L[:, h, 0, 1:]^p
 *   rollout-all            row 0 of (A0+I)(A1+I)...(A_{D-1}+I), layer 0 leftmost            (choose_mask.py)
 *   rollout-mid            layers D/3 .. 2D/3-1 (4,5,6,7 for D=12), first layer leftmost      (choose_mask.py)
 *   rollout-last           layers 2D/3 .. D-1 (8,9,10,11), first layer leftmost              (choose_mask.py)
 *   rollout-last-reversed  the same layers, last layer leftmost (11,10,9,8)                   (multi_choose_mask.py,
 *                          Abnar &amp; Zuidema's order)
 * </pre>
 *
 * A_l + I uses the head mean of layer l, no row renormalisation (same ranking as 0.5A + 0.5I). Layers
 * may be negative (counted from the end: -1 = the last block). With {@code accumulate} log-raw and
 * power reproduce the Reppas code's running sum over the rows of the batch ({@link AttentionScores}).
 */
public final class ReppasScore {
    public enum Method {
        RAW, LOG_RAW, POWER, ROLLOUT_ALL, ROLLOUT_MID, ROLLOUT_LAST, ROLLOUT_LAST_REVERSED;

        public static Method parse(String s) {
            // kebab-case (log-raw, rollout-all, ...) is the config spelling; snake_case and the reference
            // code's trailing underscore ("rollout_all_") are accepted too.
            String k = s.toLowerCase(Locale.ROOT).replace('-', '_');
            if (k.endsWith("_") ) k = k.substring(0, k.length() - 1);
            for (Method m : values()) if (m.name().toLowerCase(Locale.ROOT).equals(k)) return m;
            throw new IllegalArgumentException("unknown Reppas mask method '" + s + "'; one of raw, log-raw, power, "
                    + "rollout-all, rollout-mid, rollout-last, rollout-last-reversed");
        }

        public boolean isRollout() { return name().startsWith("ROLLOUT"); }
    }

    private final Method method;
    private final int layer;
    private final double power;
    private final boolean accumulate;

    public ReppasScore(Method method, int layer, double power, boolean accumulate) {
        if (method == Method.POWER && !(power > 0)) throw new IllegalArgumentException("power must be > 0, got " + power);
        this.method = method;
        this.layer = layer;
        this.power = power;
        this.accumulate = accumulate;
    }

    public Method method() { return method; }
    public int layer() { return layer; }
    public double power() { return power; }
    public boolean accumulate() { return accumulate; }

    /** The layers whose attention this score reads, for a ViT of {@code depth} blocks (left-to-right order for rollout). */
    public int[] layers(int depth) {
        switch (method) {
            case ROLLOUT_ALL: return range(0, depth, false);
            case ROLLOUT_MID: return range(depth / 3, 2 * depth / 3, false);
            case ROLLOUT_LAST: return range(2 * depth / 3, depth, false);
            case ROLLOUT_LAST_REVERSED: return range(2 * depth / 3, depth, true);
            default:
                int l = layer < 0 ? depth + layer : layer;
                if (l < 0 || l >= depth) throw new IllegalArgumentException("mask layer " + layer + " outside a ViT of depth " + depth);
                return new int[] {l};
        }
    }

    private static int[] range(int from, int to, boolean reversed) {
        if (to <= from) throw new IllegalArgumentException("empty rollout layer range [" + from + ", " + to + ")");
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = reversed ? to - 1 - i : from + i;
        return r;
    }

    /** (rows, N) scores; {@code attentionByLayer} maps a layer index to its (rows, heads, N+1, N+1) attention. */
    public NDArray compute(Map<Integer, NDArray> attentionByLayer, int depth) {
        int[] ls = layers(depth);
        if (method.isRollout()) return AttentionScores.rollout(attentionByLayer, ls);
        NDArray a = attentionByLayer.get(ls[0]);
        if (a == null) throw new IllegalArgumentException("attention of layer " + ls[0] + " was not provided");
        switch (method) {
            case RAW: return AttentionScores.raw(a);
            case LOG_RAW: return AttentionScores.logRaw(a, accumulate);
            case POWER: return AttentionScores.power(a, power, accumulate);
            default: throw new IllegalStateException(method.name());
        }
    }

    static TreeSet<Integer> union(Iterable<ReppasScore> scores, int depth) {
        TreeSet<Integer> s = new TreeSet<>();
        for (ReppasScore sc : scores) for (int l : sc.layers(depth)) s.add(l);
        return s;
    }

    @Override
    public String toString() {
        return method.name().toLowerCase(Locale.ROOT) + (method.isRollout() ? "" : "@" + layer)
                + (method == Method.POWER ? "^" + power : "") + (accumulate ? " (accumulating)" : "");
    }
}
