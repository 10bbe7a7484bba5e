package org.vitssl.pretrain.model;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PyTorch's bicubic resize ({@code F.interpolate(mode="bicubic", align_corners=False)}, cubic
 * coefficient A = -0.75, border-clamped reads) of the position-embedding grid, called the way DINO and
 * iBOT call it: with the <em>scale factor</em> (h0 + 0.1)/s for an s x s stored grid and an h0 x w0
 * target grid (ALGORITHMS.md 2.1). The output size is h0 (floor(s * scale)); the source coordinate of
 * output row i is (i + 0.5) / scale - 0.5 with that scale, not h0/s.
 *
 * <p>Interpolation is linear in the grid, so each axis is a (out x in) weight matrix; the 2-D resize of
 * a grid G (s*s, D) is kron(W_h, W_w) G, one matrix product that also carries the gradient to
 * {@code pos_embed}. Arithmetic is in float like PyTorch's float kernel.
 */
public final class PosEmbedInterpolation {
    /** The cubic convolution coefficient of PyTorch (and OpenCV). */
    public static final float A = -0.75f;

    private static final Map<String, float[]> KRON_CACHE = new ConcurrentHashMap<>();

    private PosEmbedInterpolation() {}

    /**
     * The (out x in) weight matrix of a 1-D bicubic resize from {@code in} samples to {@code out} with
     * PyTorch's source mapping for a given scale factor ({@code scaleFactor} = out/in nominally).
     */
    public static float[][] weights(int in, int out, double scaleFactor) {
        float inv = (float) (1.0 / scaleFactor);
        float[][] w = new float[out][in];
        for (int i = 0; i < out; i++) {
            float real = inv * (i + 0.5f) - 0.5f;
            int idx = (int) Math.floor(real);
            float t = real - idx;
            float[] c = coefficients(t);
            for (int j = 0; j < 4; j++) {
                int src = Math.min(Math.max(idx - 1 + j, 0), in - 1);
                w[i][src] += c[j];
            }
        }
        return w;
    }

    /** The four cubic-convolution weights for offsets -1, 0, 1, 2 at fraction t (PyTorch's order of operations). */
    static float[] coefficients(float t) {
        float x1 = t;
        float x2 = 1f - t;
        return new float[] {cubic2(x1 + 1f), cubic1(x1), cubic1(x2), cubic2(x2 + 1f)};
    }

    private static float cubic1(float x) {
        return ((A + 2f) * x - (A + 3f)) * x * x + 1f;
    }

    private static float cubic2(float x) {
        return ((A * x - 5f * A) * x + 8f * A) * x - 4f * A;
    }

    /**
     * kron(W_h, W_w), row-major (h0*w0) x (s*s), resizing an s x s grid to h0 x w0 with DINO's scale
     * factors (h0 + 0.1)/s and (w0 + 0.1)/s.
     */
    public static float[] kronWeights(int s, int h0, int w0) {
        return KRON_CACHE.computeIfAbsent(s + "x" + h0 + "x" + w0, k -> {
            float[][] wh = weights(s, h0, (h0 + 0.1) / s);
            float[][] ww = weights(s, w0, (w0 + 0.1) / s);
            float[] m = new float[h0 * w0 * s * s];
            for (int i = 0; i < h0; i++) {
                for (int j = 0; j < w0; j++) {
                    int row = (i * w0 + j) * s * s;
                    for (int a = 0; a < s; a++) {
                        float wa = wh[i][a];
                        if (wa == 0f) continue;
                        for (int b = 0; b < s; b++) m[row + a * s + b] = wa * ww[j][b];
                    }
                }
            }
            return m;
        });
    }
}
