package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * Attention rollout (Abnar and Zuidema), as in ALGORITHMS.md 5.3; the one implementation used by the
 * attention job and by the mask package's Reppas rollout scores:
 * <pre>
 *   Ahat_l = mean over heads of A_l + I                      (B, T, T), rows not renormalised
 *   R = Ahat_{l0} Ahat_{l1} ... Ahat_{lk}                    FIRST_LEFT (Reppas rollout_all_, layer 0 leftmost)
 *   R = Ahat_{lk} ... Ahat_{l1} Ahat_{l0}                    LAST_LEFT  (the paper's recursion, later layers left)
 *   score = R[:, 0, 1:]                                      (B, N): CLS row over the patches
 * </pre>
 * Adding I without renormalising scales the product by 2^k relative to 0.5 A + 0.5 I; rankings are equal.
 * Computed without gradient, in float32.
 */
public final class AttentionRollout {
    /** Multiplication order of the layers. */
    public enum Order { FIRST_LEFT, LAST_LEFT }

    private AttentionRollout() {}

    /** The rollout product (B, T, T) of the given attentions (each (B, heads, T, T)), in list order. */
    public static NDArray rollout(List<NDArray> attentions, Order order) {
        NDArray r = null;
        for (NDArray a : leftToRight(attentions, order)) {
            NDArray m = withIdentity(a);
            r = r == null ? m : r.matMul(m);
        }
        return r;
    }

    /**
     * The CLS row of the rollout over the patch columns, (B, N): equal to {@code clsScores(rollout(...))},
     * computed as row 0 of the leftmost factor times the others (a row vector times matrices).
     */
    public static NDArray clsRollout(List<NDArray> attentions, Order order) {
        NDArray v = null;
        for (NDArray a : leftToRight(attentions, order)) {
            NDArray m = withIdentity(a);
            v = v == null ? m.get(new NDIndex(":, 0:1, :")) : v.matMul(m);   // (B, 1, T)
        }
        return v.get(new NDIndex(":, 0, 1:"));
    }

    /** The CLS row of a rollout over the patch columns, (B, N). */
    public static NDArray clsScores(NDArray rollout) {
        return rollout.get(new NDIndex(":, 0, 1:"));
    }

    private static List<NDArray> leftToRight(List<NDArray> attentions, Order order) {
        if (attentions.isEmpty()) throw new IllegalArgumentException("rollout needs at least one attention map");
        List<NDArray> l = new ArrayList<>(attentions);
        if (order == Order.LAST_LEFT) java.util.Collections.reverse(l);
        return l;
    }

    /** mean over heads of A, plus I: (B, T, T). */
    private static NDArray withIdentity(NDArray a) {
        Shape s = a.getShape();
        if (s.dimension() != 4 || s.get(2) != s.get(3)) throw new IllegalArgumentException("attention must be (B, heads, T, T), got " + s);
        return a.stopGradient().toType(DataType.FLOAT32, false).mean(new int[] {1})
                .add(a.getManager().eye((int) s.get(2)).expandDims(0));
    }
}
