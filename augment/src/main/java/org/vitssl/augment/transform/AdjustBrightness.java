package org.vitssl.augment.transform;

/**
 * torchvision {@code adjust_brightness} on a PIL image = {@code ImageEnhance.Brightness(img).enhance(f)}:
 * blend with a black image, {@code out = clamp(trunc(f * v))} per channel (float32 arithmetic).
 * Applied through a 256-entry lookup table (a tight byte-array loop). Exact.
 */
public final class AdjustBrightness {
    private AdjustBrightness() {}

    public static void apply(Rgb8 img, double factor) {
        img.applyLut(PilBlend.lut(0, (float) factor));
    }
}
