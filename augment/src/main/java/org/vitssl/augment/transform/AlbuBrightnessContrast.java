package org.vitssl.augment.transform;

/**
 * albumentations {@code RandomBrightnessContrast(brightness_by_max=True)} on uint8 (DINO Twins):
 * contrast {@code alpha = 1 + U(-contrast, contrast)}, brightness {@code beta = U(-brightness, brightness)},
 * table {@code lut[v] = uint8(clip(float32(v) * alpha + beta * 255, 0, 255))} (truncation), applied with
 * OpenCV's LUT as albumentations does.
 */
public final class AlbuBrightnessContrast {
    private AlbuBrightnessContrast() {}

    public static void apply(Rgb8 img, double alpha, double beta) {
        byte[] lut = new byte[256];
        for (int v = 0; v < 256; v++) {
            float x = (float) v;
            if (alpha != 1) x *= (float) alpha;
            if (beta != 0) x += (float) (beta * 255);
            lut[v] = (byte) (int) Math.max(0f, Math.min(255f, x));
        }
        OpenCv.lut(img, lut);
    }
}
