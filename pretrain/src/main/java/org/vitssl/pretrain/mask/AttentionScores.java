package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.vitssl.pretrain.model.AttentionRollout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Patch scores from ViT self-attention maps (B, heads, N+1, N+1) (token 0 = CLS), as in AttMask and the
 * Reppas variants (ALGORITHMS.md sections 5.2, 5.3). All are computed without gradient and return
 * (B, N) float32 arrays; {@link #toRows} brings them to Java for ranking.
 *
 * <pre>
 *   a_h      = A_L[b, h, 0, 1:]                         CLS query row without the CLS key column
 *   raw      = (1/H) sum_h a_h                           (AttMask's score for the last layer)
 *   log-raw  = (1/H) sum_h log a_h                       (log of the geometric mean over heads)
 *   power    = (1/H) sum_h a_h^p                         (p = 0.5 by default)
 *   rollout  = row 0, columns 1..N of  prod_{l in order} (mean_h A_l + I)    (no row renormalisation)
 * </pre>
 *
 * The accumulating variant of log-raw / power reproduces the Reppas code's bug: the per-head
 * accumulator is never reset, so row b gets (1/H) sum_{b' &lt;= b} sum_h f(a_h[b']), a running sum over
 * the rows in the order they are passed (the concatenated global views, crop-major). Only row 0 is
 * then the intended score.
 */
public final class AttentionScores {
    private AttentionScores() {}

    /** A[:, :, 0, 1:] as (B, heads, N). */
    public static NDArray clsToPatch(NDArray attention) {
        Shape s = attention.getShape();
        if (s.dimension() != 4 || s.get(2) != s.get(3) || s.get(2) < 2) {
            throw new IllegalArgumentException("attention must be (B, heads, N+1, N+1), got " + s);
        }
        return attention.stopGradient().get(new NDIndex(":, :, 0, 1:")).toType(DataType.FLOAT32, false);
    }

    /** Mean over heads of the CLS-to-patch attention. */
    public static NDArray raw(NDArray attention) {
        return clsToPatch(attention).mean(new int[] {1});
    }

    /** (1/H) sum_h log a_h; {@code accumulate} = the Reppas running-sum bug. */
    public static NDArray logRaw(NDArray attention, boolean accumulate) {
        NDArray a = clsToPatch(attention);
        return headMean(a.log(), a.getShape().get(1), accumulate);
    }

    /** (1/H) sum_h a_h^p; {@code accumulate} = the Reppas running-sum bug. */
    public static NDArray power(NDArray attention, double p, boolean accumulate) {
        NDArray a = clsToPatch(attention);
        return headMean(a.pow((float) p), a.getShape().get(1), accumulate);
    }

    private static NDArray headMean(NDArray perHead, long heads, boolean accumulate) {
        NDArray sum = perHead.sum(new int[] {1});                    // (B, N)
        if (accumulate) sum = sum.cumSum(0);
        return sum.div((float) heads);
    }

    /**
     * Attention rollout: row 0 of (mean_h A_{l0} + I)(mean_h A_{l1} + I)...(mean_h A_{lk} + I), where
     * {@code order} lists the layers from left to right; columns 1..N ({@link AttentionRollout#clsRollout}).
     */
    public static NDArray rollout(Map<Integer, NDArray> attentionByLayer, int[] order) {
        if (order.length == 0) throw new IllegalArgumentException("rollout needs at least one layer");
        List<NDArray> maps = new ArrayList<>(order.length);
        for (int layer : order) {
            NDArray a = attentionByLayer.get(layer);
            if (a == null) throw new IllegalArgumentException("rollout: attention of layer " + layer + " was not provided");
            Shape s = a.getShape();
            if (s.dimension() != 4 || s.get(2) != s.get(3)) throw new IllegalArgumentException("attention of layer " + layer + " must be (B, heads, N+1, N+1), got " + s);
            maps.add(a);
        }
        return AttentionRollout.clsRollout(maps, AttentionRollout.Order.FIRST_LEFT);
    }

    /** (B, N) scores as Java rows. */
    public static float[][] toRows(NDArray scores) {
        Shape s = scores.getShape();
        if (s.dimension() != 2) throw new IllegalArgumentException("scores must be (B, N), got " + s);
        int b = (int) s.get(0), n = (int) s.get(1);
        float[] flat = scores.toType(DataType.FLOAT32, false).toFloatArray();
        float[][] out = new float[b][n];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * n, out[i], 0, n);
        return out;
    }
}
