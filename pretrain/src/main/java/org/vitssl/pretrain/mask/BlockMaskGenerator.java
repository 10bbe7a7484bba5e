package org.vitssl.pretrain.mask;

import java.util.SplittableRandom;

/**
 * iBOT's blockwise (BEiT-style) generator, {@code pred_shape = 'block'} (ALGORITHMS.md section 5.1).
 *
 * <pre>
 *   T = r*H*W (may be fractional); count = 0
 *   while count &lt; T:                                       (rounds)
 *     remaining = T - count
 *     up to 10 attempts:
 *       area ~ U(lo, remaining)            lo = (min(H,W) // 3)^2   (Python uniform: also when lo &gt; remaining)
 *       a    = exp(U(ln 0.3, ln(1/0.3)))                              (log-uniform aspect ratio)
 *       h = round(sqrt(area*a)), w = round(sqrt(area/a))              (round half to even, as Python)
 *       if w &lt; W and h &lt; H:                                           (strict)
 *         top ~ randint[0, H-h], left ~ randint[0, W-w]                (inclusive)
 *         new = h*w - (masked cells inside the block)
 *         if 0 &lt; new &lt;= remaining: mark the block, count += new, stop the attempts
 *     if no attempt was accepted: stop
 * </pre>
 *
 * The result has at most T masked cells (usually slightly fewer), made of overlapping rectangles.
 */
public final class BlockMaskGenerator implements ShapeMaskGenerator {
    public static final double DEFAULT_MIN_ASPECT = 0.3;
    public static final int DEFAULT_ATTEMPTS = 10;

    private final double logAspectLo;
    private final double logAspectHi;
    private final int attempts;
    private final int minNumPatches;   // < 0: (min(H,W)//3)^2

    /**
     * @param minAspect     lower aspect bound (0.3); the upper one is 1/minAspect
     * @param attempts      attempts per round (10)
     * @param minNumPatches lower bound of the block area, or -1 for (min(H,W)//3)^2
     */
    public BlockMaskGenerator(double minAspect, int attempts, int minNumPatches) {
        if (!(minAspect > 0 && minAspect <= 1)) throw new IllegalArgumentException("min aspect must be in (0, 1], got " + minAspect);
        if (attempts < 1) throw new IllegalArgumentException("attempts must be >= 1");
        this.logAspectLo = Math.log(minAspect);
        this.logAspectHi = Math.log(1.0 / minAspect);
        this.attempts = attempts;
        this.minNumPatches = minNumPatches;
    }

    public BlockMaskGenerator() {
        this(DEFAULT_MIN_ASPECT, DEFAULT_ATTEMPTS, -1);
    }

    /** Lower bound of the block area for an H x W grid. */
    public int minArea(int h, int w) {
        if (minNumPatches >= 0) return minNumPatches;
        int s = Math.min(h, w) / 3;
        return s * s;
    }

    @Override
    public boolean[] mask(int gh, int gw, double ratio, SplittableRandom rng) {
        return mask(gh, gw, ratio, rng, null);
    }

    /** As {@link #mask(int, int, double, SplittableRandom)}; adds each accepted block {top, left, h, w} to {@code blocks}. */
    boolean[] mask(int gh, int gw, double ratio, SplittableRandom rng, java.util.List<int[]> blocks) {
        boolean[] mask = new boolean[gh * gw];
        double target = ratio * gh * gw;
        int lo = minArea(gh, gw);
        int count = 0;
        while (count < target) {
            double remaining = target - count;
            int delta = 0;
            for (int attempt = 0; attempt < attempts; attempt++) {
                double area = MaskRatioSampler.uniform(rng, lo, remaining);
                double aspect = Math.exp(MaskRatioSampler.uniform(rng, logAspectLo, logAspectHi));
                int h = (int) Math.rint(Math.sqrt(area * aspect));
                int w = (int) Math.rint(Math.sqrt(area / aspect));
                if (w < gw && h < gh) {
                    int top = rng.nextInt(gh - h + 1);
                    int left = rng.nextInt(gw - w + 1);
                    int already = 0;
                    for (int i = top; i < top + h; i++) {
                        for (int j = left; j < left + w; j++) if (mask[i * gw + j]) already++;
                    }
                    int fresh = h * w - already;
                    if (fresh > 0 && fresh <= remaining) {
                        for (int i = top; i < top + h; i++) {
                            for (int j = left; j < left + w; j++) mask[i * gw + j] = true;
                        }
                        delta = fresh;
                        if (blocks != null) blocks.add(new int[] {top, left, h, w});
                    }
                    if (delta > 0) break;
                }
            }
            if (delta == 0) break;
            count += delta;
        }
        return mask;
    }
}
