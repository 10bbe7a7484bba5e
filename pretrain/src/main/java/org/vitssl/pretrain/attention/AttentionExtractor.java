package org.vitssl.pretrain.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vitssl.pretrain.mask.AttMaskGenerator;
import org.vitssl.pretrain.mask.MaskRatioSampler;
import org.vitssl.pretrain.model.AttentionRollout;
import org.vitssl.pretrain.model.ViTOutput;
import org.vitssl.pretrain.model.VisionTransformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

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
 * The masks are those of training's {@link AttMaskGenerator} (modes HIGH / LOW, a fixed ratio, masking
 * probability 1): ties are broken by the lower patch index (row-major) first, in both directions.
 */
public final class AttentionExtractor {
    private final VisionTransformer model;
    private final AttentionRollout.Order order;
    private final AttMaskGenerator high;
    private final AttMaskGenerator low;

    public AttentionExtractor(VisionTransformer model, AttentionRollout.Order order, double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) throw new IllegalArgumentException("mask ratio must be in [0, 1], got " + ratio);
        this.model = model;
        this.order = order;
        this.high = masks(AttMaskGenerator.Mode.HIGH, ratio);
        this.low = masks(AttMaskGenerator.Mode.LOW, ratio);
    }

    /** AttMask with a fixed ratio that masks every image (no random step is left: the result is deterministic). */
    static AttMaskGenerator masks(AttMaskGenerator.Mode mode, double ratio) {
        return new AttMaskGenerator(mode, MaskRatioSampler.fixed(ratio), 1.0, AttMaskGenerator.DEFAULT_SHOW_MAX);
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
            float[] roll = AttentionRollout.clsRollout(all, order).toFloatArray();
            float[][] means = new float[b][];
            for (int i = 0; i < b; i++) means[i] = Arrays.copyOfRange(meanArr, i * n, (i + 1) * n);
            // Fixed ratio and probability 1: the generators draw nothing that changes the masks.
            boolean[][] hi = high.generate(means, 0, new SplittableRandom(0));
            boolean[][] lo = low.generate(means, 0, new SplittableRandom(0));
            List<Maps> out = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                float[][] hs = new float[heads][];
                for (int h = 0; h < heads; h++) hs[h] = Arrays.copyOfRange(headArr, (i * heads + h) * n, (i * heads + h + 1) * n);
                float[] r = Arrays.copyOfRange(roll, i * n, (i + 1) * n);
                out.add(new Maps(gh, gw, hs, means[i], r, hi[i], lo[i]));
            }
            return out;
        }
    }
}
