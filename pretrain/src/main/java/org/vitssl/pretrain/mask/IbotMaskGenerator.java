package org.vitssl.pretrain.mask;

import java.util.SplittableRandom;

/**
 * Loader-side masks of iBOT (ALGORITHMS.md section 5.1): for every crop (row) independently a ratio r
 * from {@link MaskRatioSampler}, then a mask of that ratio from the shape generator
 * ({@link BlockMaskGenerator} or {@link RandomMaskGenerator}), then optionally the per-image masking
 * probability: with {@code keepProb} &lt; 1 each row keeps its mask only when u &lt; keepProb, u ~ U[0,1)
 * (iBOT itself has no such step: keepProb = 1, where no u is drawn).
 */
public final class IbotMaskGenerator implements MaskStrategy {
    private final ShapeMaskGenerator shape;
    private final MaskRatioSampler ratio;
    private final double keepProb;

    public IbotMaskGenerator(ShapeMaskGenerator shape, MaskRatioSampler ratio, double keepProb) {
        if (!(keepProb >= 0 && keepProb <= 1)) throw new IllegalArgumentException("masking probability must be in [0, 1]");
        this.shape = shape;
        this.ratio = ratio;
        this.keepProb = keepProb;
    }

    /** {@code rows} masks of h x w cells (row-major), e.g. rows = 2B for the two global crops, crop-major. */
    public boolean[][] generate(int rows, int h, int w, int epoch, SplittableRandom rng) {
        boolean[][] out = new boolean[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = shape.mask(h, w, ratio.draw(rng, epoch), rng);
        }
        PatchMasks.applyMaskingProb(out, keepProb, rng);
        return out;
    }

    @Override
    public boolean[][] generate(MaskInput in, SplittableRandom rng) {
        return generate(in.rows(), in.h(), in.w(), in.epoch(), rng);
    }

    public ShapeMaskGenerator shape() { return shape; }
    public MaskRatioSampler ratioSampler() { return ratio; }
    public double keepProb() { return keepProb; }
}
