package org.vitssl.pretrain.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vitssl.pretrain.model.AttentionRollout;
import org.vitssl.pretrain.model.ViTOutput;
import org.vitssl.pretrain.model.VisionTransformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-image attention summaries of a ViT (no Spark): for a batch of normalised images,
 * <ul>
 *   <li>{@code heads[h][j]} = A_last[h, 0, 1 + j], the last block's CLS attention to patch j per head;</li>
 *   <li>{@code mean[j]} = mean over heads of that (AttMask's score);</li>
 *   <li>{@code rollout[j]} = R[0, 1 + j] with R the attention rollout over all blocks
 *       ({@link AttentionRollout}, order configurable);</li>
 *   <li>{@code maskHigh} / {@code maskLow}: the n = floor(N * ratio) patches with the highest / lowest
 *       mean score (AttMask-High / -Low, ALGORITHMS.md 5.2).</li>
 * </ul>
 * Ties are broken by the lower patch index (row-major) first, in both directions.
 *
 * <p>The masks come from a small private ranking here; the mask package's AttMask generator is the
 * one training uses (the two should agree: same score, same n, same tie rule).
 */
public final class AttentionExtractor {
    private final VisionTransformer model;
    private final AttentionRollout.Order order;
    private final double ratio;

    public AttentionExtractor(VisionTransformer model, AttentionRollout.Order order, double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) throw new IllegalArgumentException("mask ratio must be in [0, 1], got " + ratio);
        this.model = model;
        this.order = order;
        this.ratio = ratio;
    }

    /** The summaries of one image. */
    public record Maps(int gridH, int gridW, float[][] heads, float[] mean, float[] rollout, boolean[] maskHigh, boolean[] maskLow) {}

    /** Images as CHW floats of side {@code size} (all the same size); one {@link Maps} per image. */
    public List<Maps> compute(NDManager base, List<float[]> images, int size) {
        int b = images.size();
        int p = model.config().patch();
        int gh = size / p, gw = size / p, n = gh * gw;
        float[] flat = new float[b * 3 * size * size];
        for (int i = 0; i < b; i++) System.arraycopy(images.get(i), 0, flat, i * 3 * size * size, 3 * size * size);
        int depth = model.depth();
        int[] layers = new int[depth];
        for (int i = 0; i < depth; i++) layers[i] = i;
        try (NDManager m = base.newSubManager()) {
            NDArray x = m.create(flat, new Shape(b, 3, size, size));
            ViTOutput o = model.forward(null, x, null, false, layers, 0);
            NDArray cls = o.lastClsAttention(); // (B, heads, N)
            int heads = (int) cls.getShape().get(1);
            float[] headArr = cls.toFloatArray();
            float[] meanArr = cls.mean(new int[] {1}).toFloatArray();
            List<NDArray> all = new ArrayList<>();
            for (int l = 0; l < depth; l++) all.add(o.attention(l));
            float[] roll = AttentionRollout.clsScores(AttentionRollout.rollout(all, order)).toFloatArray();
            int nMask = (int) Math.floor(n * ratio);
            List<Maps> out = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                float[][] hs = new float[heads][];
                for (int h = 0; h < heads; h++) hs[h] = Arrays.copyOfRange(headArr, (i * heads + h) * n, (i * heads + h + 1) * n);
                float[] mean = Arrays.copyOfRange(meanArr, i * n, (i + 1) * n);
                float[] r = Arrays.copyOfRange(roll, i * n, (i + 1) * n);
                out.add(new Maps(gh, gw, hs, mean, r, extremes(mean, nMask, true), extremes(mean, nMask, false)));
            }
            return out;
        }
    }

    /**
     * The {@code count} highest ({@code high}) or lowest scores as a mask; ties go to the lower index.
     */
    static boolean[] extremes(float[] score, int count, boolean high) {
        Integer[] idx = new Integer[score.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, c) -> {
            int cmp = high ? Float.compare(score[c], score[a]) : Float.compare(score[a], score[c]);
            return cmp != 0 ? cmp : Integer.compare(a, c);
        });
        boolean[] mask = new boolean[score.length];
        for (int i = 0; i < count; i++) mask[idx[i]] = true;
        return mask;
    }
}
