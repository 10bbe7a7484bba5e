package org.vitssl.augment.transform;

/**
 * PIL's {@code Image.blend(degenerate, image, alpha)} for one 8-bit value, the core of
 * {@code ImageEnhance}: {@code out = clamp(trunc(d + alpha * (v - d)), 0, 255)} evaluated in 32-bit
 * float with alpha rounded to float, as Pillow's C code does.
 */
final class PilBlend {
    private PilBlend() {}

    static int blend(int degenerate, int v, float alpha) {
        float t = (float) degenerate + alpha * (float) (v - degenerate);
        if (t <= 0f) return 0;
        if (t >= 255f) return 255;
        return (int) t;
    }

    /** Table of {@code blend(d, v, alpha)} for v = 0..255 (a constant degenerate image). */
    static byte[] lut(int degenerate, float alpha) {
        byte[] lut = new byte[256];
        for (int v = 0; v < 256; v++) lut[v] = (byte) blend(degenerate, v, alpha);
        return lut;
    }
}
