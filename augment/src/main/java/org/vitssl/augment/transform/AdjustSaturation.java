package org.vitssl.augment.transform;

/**
 * torchvision {@code adjust_saturation} on a PIL image = {@code ImageEnhance.Color(img).enhance(f)}:
 * blend each pixel with its own grey value {@code g = (19595R + 38470G + 7471B + 2^15) >> 16}:
 * {@code out_c = clamp(trunc(g + f * (v_c - g)))} (float32). A per-pixel kernel on the byte array (the
 * degenerate image varies per pixel, so no lookup table). Exact.
 */
public final class AdjustSaturation {
    private AdjustSaturation() {}

    public static void apply(Rgb8 img, double factor) {
        float a = (float) factor;
        byte[] d = img.data;
        for (int i = 0; i < d.length; i += 3) {
            int r = d[i] & 0xff, g = d[i + 1] & 0xff, b = d[i + 2] & 0xff;
            int l = Rgb8.luma(r, g, b);
            d[i] = (byte) PilBlend.blend(l, r, a);
            d[i + 1] = (byte) PilBlend.blend(l, g, a);
            d[i + 2] = (byte) PilBlend.blend(l, b, a);
        }
    }
}
