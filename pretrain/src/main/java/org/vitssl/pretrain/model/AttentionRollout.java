package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Attention rollout (Abnar and Zuidema), as in ALGORITHMS.md 5.3:
 * <pre>
 *   Ahat_l = mean over heads of A_l + I                      (B, T, T), rows not renormalised
 *   R = Ahat_{l0} Ahat_{l1} ... Ahat_{lk}                    FIRST_LEFT (Reppas rollout_all_, layer 0 leftmost)
 *   R = Ahat_{lk} ... Ahat_{l1} Ahat_{l0}                    LAST_LEFT  (the paper's recursion, later layers left)
 *   score = R[:, 0, 1:]                                      (B, N): CLS row over the patches
 * </pre>
 * Adding I without renormalising scales the product by 2^k relative to 0.5 A + 0.5 I; rankings are equal.
 */
public final class AttentionRollout {
    /** Multiplication order of the layers. */
    public enum Order { FIRST_LEFT, LAST_LEFT }

    private AttentionRollout() {}

    /** The rollout product (B, T, T) of the given attentions (each (B, heads, T, T)), in list order. */
    public static NDArray rollout(List<NDArray> attentions, Order order) {
        if (attentions.isEmpty()) throw new IllegalArgumentException("rollout needs at least one attention map");
        NDArray r = null;
        for (NDArray a : attentions) {
            Shape s = a.getShape();
            NDArray m = a.mean(new int[] {1});
            NDArray eye = a.getManager().eye((int) s.get(2)).expandDims(0);
            m = m.add(eye);
            if (r == null) r = m;
            else r = order == Order.FIRST_LEFT ? r.matMul(m) : m.matMul(r);
        }
        return r;
    }

    /** The CLS row of a rollout over the patch columns, (B, N). */
    public static NDArray clsScores(NDArray rollout) {
        return rollout.get(new NDIndex(":, 0, 1:"));
    }
}
