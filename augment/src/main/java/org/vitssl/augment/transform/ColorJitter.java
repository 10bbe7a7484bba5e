package org.vitssl.augment.transform;

import java.util.SplittableRandom;

/**
 * {@code RandomApply([ColorJitter(brightness, contrast, saturation, hue)], p)} as in torchvision 0.14:
 * with probability p, draw a fresh random permutation of the four operations and the factors
 * {@code b ~ U[max(0, 1-brightness), 1+brightness]}, {@code c ~ U[max(0, 1-contrast), 1+contrast]},
 * {@code s ~ U[max(0, 1-saturation), 1+saturation]}, {@code h ~ U[-hue, hue]}, then apply them in that order
 * ({@link AdjustBrightness}, {@link AdjustContrast}, {@link AdjustSaturation}, {@link AdjustHue}).
 * A strength of 0 disables that operation (as torchvision's {@code None}).
 */
public final class ColorJitter implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public static final int BRIGHTNESS = 0, CONTRAST = 1, SATURATION = 2, HUE = 3;

    private final double p, brightness, contrast, saturation, hue;

    public ColorJitter(double p, double brightness, double contrast, double saturation, double hue) {
        this.p = p;
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
        this.hue = hue;
    }

    /** Drawn parameters: the order (a permutation of 0..3) and the four factors. */
    public record Params(int[] order, double brightness, double contrast, double saturation, double hue) {}

    private static double uniform(SplittableRandom r, double lo, double hi) {
        return lo + (hi - lo) * r.nextDouble();
    }

    /** Returns null when the jitter does not fire (probability 1 - p). */
    public Params sample(SplittableRandom r) {
        if (!(r.nextDouble() < p)) return null;
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i]; order[i] = order[j]; order[j] = t;
        }
        double b = uniform(r, Math.max(0, 1 - brightness), 1 + brightness);
        double c = uniform(r, Math.max(0, 1 - contrast), 1 + contrast);
        double s = uniform(r, Math.max(0, 1 - saturation), 1 + saturation);
        double h = uniform(r, -hue, hue);
        return new Params(order, b, c, s, h);
    }

    /** Applies the drawn operations in their order, in place. */
    public void apply(Rgb8 img, Params prm) {
        if (prm == null) return;
        for (int op : prm.order()) {
            switch (op) {
                case BRIGHTNESS: if (brightness > 0) AdjustBrightness.apply(img, prm.brightness()); break;
                case CONTRAST: if (contrast > 0) AdjustContrast.apply(img, prm.contrast()); break;
                case SATURATION: if (saturation > 0) AdjustSaturation.apply(img, prm.saturation()); break;
                default: if (hue > 0) AdjustHue.apply(img, prm.hue()); break;
            }
        }
    }
}
