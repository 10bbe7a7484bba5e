package org.vitssl.augment;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * Settings of the multi-crop transform, read from config section {@code vitssl.augment} (see
 * reference.conf for every key). Ranges are checked here, so an impossible crop is rejected at start with
 * the key's name.
 */
public final class MultiCropSettings implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String SECTION = "vitssl.augment";

    /** "dino": torchvision + PIL (DINO, iBOT, AttMask, Reppas); "dino-twins": albumentations + OpenCV. */
    public final String pipeline;
    public final int globalCount, globalSize, localCount, localSize;
    public final double[] globalScale, localScale, ratio;
    public final double flipP;
    public final double jitterP, brightness, contrast, saturation, hue;
    public final double grayscaleP;
    public final double[] blurSigma;
    public final double blurGlobal1P, blurGlobal2P, blurLocalP;
    public final int solarizeThreshold;
    public final double solarizeGlobal1P, solarizeGlobal2P, solarizeLocalP;
    public final double[] mean, std;
    public final double twinsHsvP, twinsHueShift, twinsSatShift, twinsValShift;

    private MultiCropSettings(Config c, String p) {
        pipeline = ConfigChecks.oneOf(c, p + "pipeline", Set.of("dino", "dino-twins"));
        globalCount = ConfigChecks.intIn(c, p + "global.count", 1, 64);
        globalSize = ConfigChecks.intIn(c, p + "global.size", 1, 4096);
        globalScale = ConfigChecks.range(c, p + "global.scale", 0.0, 1.0, true);
        localCount = ConfigChecks.intIn(c, p + "local.count", 0, 256);
        localSize = ConfigChecks.intIn(c, p + "local.size", 1, 4096);
        localScale = ConfigChecks.range(c, p + "local.scale", 0.0, 1.0, true);
        ratio = ConfigChecks.range(c, p + "ratio", 0.0, 100.0, true);
        flipP = ConfigChecks.probability(c, p + "flip-p");
        jitterP = ConfigChecks.probability(c, p + "jitter.p");
        brightness = ConfigChecks.doubleIn(c, p + "jitter.brightness", 0.0, 10.0);
        contrast = ConfigChecks.doubleIn(c, p + "jitter.contrast", 0.0, 10.0);
        saturation = ConfigChecks.doubleIn(c, p + "jitter.saturation", 0.0, 10.0);
        hue = ConfigChecks.doubleIn(c, p + "jitter.hue", 0.0, 0.5);
        grayscaleP = ConfigChecks.probability(c, p + "grayscale-p");
        blurSigma = ConfigChecks.range(c, p + "blur.sigma", 0.0, 100.0, true);
        blurGlobal1P = ConfigChecks.probability(c, p + "blur.global1-p");
        blurGlobal2P = ConfigChecks.probability(c, p + "blur.global2-p");
        blurLocalP = ConfigChecks.probability(c, p + "blur.local-p");
        solarizeThreshold = ConfigChecks.intIn(c, p + "solarize.threshold", 0, 256);
        solarizeGlobal1P = ConfigChecks.probability(c, p + "solarize.global1-p");
        solarizeGlobal2P = ConfigChecks.probability(c, p + "solarize.global2-p");
        solarizeLocalP = ConfigChecks.probability(c, p + "solarize.local-p");
        mean = triple(c, p + "normalize.mean", false);
        std = triple(c, p + "normalize.std", true);
        twinsHsvP = ConfigChecks.probability(c, p + "twins.hsv-p");
        twinsHueShift = ConfigChecks.doubleIn(c, p + "twins.hue-shift", 0.0, 180.0);
        twinsSatShift = ConfigChecks.doubleIn(c, p + "twins.sat-shift", 0.0, 255.0);
        twinsValShift = ConfigChecks.doubleIn(c, p + "twins.val-shift", 0.0, 255.0);
    }

    private static double[] triple(Config c, String path, boolean positive) {
        List<Double> l = c.getDoubleList(path);
        if (l.size() != 3) throw ConfigChecks.bad(path, l, "must be a list of 3 numbers (R, G, B)");
        double[] v = new double[3];
        for (int i = 0; i < 3; i++) {
            v[i] = l.get(i);
            if (positive && !(v[i] > 0)) throw ConfigChecks.bad(path, l, "every entry must be positive");
        }
        return v;
    }

    /**
     * Reads the settings from a full configuration (holding {@code vitssl.augment}; messages then name full
     * key paths) or from the {@code vitssl.augment} section itself.
     */
    public static MultiCropSettings fromConfig(Config c) {
        if (c.hasPath(SECTION)) return new MultiCropSettings(c, SECTION + ".");
        return new MultiCropSettings(c, "");
    }

    public boolean twins() { return pipeline.equals("dino-twins"); }

    /** Total views per image: global then local. */
    public int viewCount() { return globalCount + localCount; }

    public boolean isGlobal(int view) { return view < globalCount; }

    public int sizeOf(int view) { return isGlobal(view) ? globalSize : localSize; }

    public double blurP(int view) {
        return view == 0 ? blurGlobal1P : (isGlobal(view) ? blurGlobal2P : blurLocalP);
    }

    public double solarizeP(int view) {
        return view == 0 ? solarizeGlobal1P : (isGlobal(view) ? solarizeGlobal2P : solarizeLocalP);
    }

    /** Bytes of one image's views as uint8 HWC (the storage cost of the views table before compression). */
    public long rawBytesPerImage() {
        return 3L * (globalCount * (long) globalSize * globalSize + localCount * (long) localSize * localSize);
    }
}
