package org.vitssl.augment;

import org.vitssl.augment.transform.AlbuBrightnessContrast;
import org.vitssl.augment.transform.AlbuHueSaturationValue;
import org.vitssl.augment.transform.ColorJitter;
import org.vitssl.augment.transform.CropBox;
import org.vitssl.augment.transform.CvGaussianBlur;
import org.vitssl.augment.transform.CvGrayscale;
import org.vitssl.augment.transform.CvResize;
import org.vitssl.augment.transform.Grayscale;
import org.vitssl.augment.transform.HorizontalFlip;
import org.vitssl.augment.transform.Normalize;
import org.vitssl.augment.transform.PilBicubic;
import org.vitssl.augment.transform.PilGaussianBlur;
import org.vitssl.augment.transform.RandomResizedCrop;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.augment.transform.Solarize;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The multi-crop transform (ALGORITHMS.md section 1). Output order: global 1, global 2 .. global n, then the
 * locals. View v draws everything from its own stream {@link ViewSeeds#forView}.
 *
 * <p>Pipeline "dino" (DINO {@code DataAugmentationDINO}, iBOT, AttMask, Reppas; torchvision + PIL):
 * RandomResizedCrop(size, scale, ratio, bicubic) -> flip p -> ColorJitter with probability jitter.p (random
 * order) -> grayscale p -> PIL Gaussian blur with probability blur p (global 1: 1.0, globals 2+: 0.1,
 * locals: 0.5 by default; fires when {@code u <= p}), radius ~ U(blur.sigma) -> solarize with probability p
 * (global 2+: 0.2; fires when {@code u < p}).
 *
 * <p>Pipeline "dino-twins" (section 1.4; albumentations + OpenCV): RandomResizedCrop with OpenCV bicubic ->
 * RandomBrightnessContrast (p = jitter.p) -> HueSaturationValue (p = twins.hsv-p) -> ToGray (grayscale p)
 * -> OpenCV Gaussian blur (p per view, sigma ~ U(blur.sigma)) -> flip -> solarize.
 */
public final class MultiCropTransform implements Serializable {
    private static final long serialVersionUID = 1L;

    private final MultiCropSettings s;
    private final RandomResizedCrop globalCrop, localCrop;
    private final ColorJitter jitter;
    private transient Normalize normalize;

    public MultiCropTransform(MultiCropSettings settings) {
        this.s = settings;
        this.globalCrop = new RandomResizedCrop(s.globalSize, s.globalScale, s.ratio);
        this.localCrop = new RandomResizedCrop(s.localSize, s.localScale, s.ratio);
        this.jitter = new ColorJitter(s.jitterP, s.brightness, s.contrast, s.saturation, s.hue);
    }

    public MultiCropSettings settings() { return s; }

    /** All views of one decoded image for (seed, epoch, imageId). */
    public List<View> apply(Rgb8 img, long seed, int epoch, String imageId) {
        long imageSeed = ViewSeeds.imageSeed(seed, epoch, imageId);
        List<View> views = new ArrayList<>(s.viewCount());
        PilBicubic.Source src = new PilBicubic.Source(img);
        for (int v = 0; v < s.viewCount(); v++) {
            views.add(new View(v, s.isGlobal(v), view(src, v, ViewSeeds.forView(imageSeed, v))));
        }
        return views;
    }

    /** One view (index v) drawn from {@code r}. */
    public Rgb8 view(Rgb8 img, int v, SplittableRandom r) {
        return view(new PilBicubic.Source(img), v, r);
    }

    /** One view (index v) drawn from {@code r}, of a source shared by the views of one image. */
    public Rgb8 view(PilBicubic.Source src, int v, SplittableRandom r) {
        Rgb8 img = src.image();
        RandomResizedCrop crop = s.isGlobal(v) ? globalCrop : localCrop;
        CropBox box = crop.sample(img.width, img.height, r);
        return s.twins() ? twinsView(img, v, box, r) : dinoView(src, v, box, r);
    }

    private Rgb8 dinoView(PilBicubic.Source src, int v, CropBox box, SplittableRandom r) {
        // The flip is drawn right after the crop as before and fused into the resampling (same bytes).
        boolean flip = r.nextDouble() < s.flipP;
        Rgb8 out = RandomResizedCrop.apply(src, box, crop(v).size(), flip);
        jitter.apply(out, jitter.sample(r));
        if (r.nextDouble() < s.grayscaleP) Grayscale.apply(out);
        double bp = s.blurP(v);
        if (bp > 0 && r.nextDouble() <= bp) PilGaussianBlur.apply(out, uniform(r, s.blurSigma));
        double sp = s.solarizeP(v);
        if (sp > 0 && r.nextDouble() < sp) Solarize.apply(out, s.solarizeThreshold);
        return out;
    }

    private Rgb8 twinsView(Rgb8 img, int v, CropBox box, SplittableRandom r) {
        Rgb8 out = CvResize.resizeBox(img, box, crop(v).size());
        if (r.nextDouble() < s.jitterP) {
            double alpha = 1.0 + uniform(r, -s.contrast, s.contrast);
            double beta = uniform(r, -s.brightness, s.brightness);
            AlbuBrightnessContrast.apply(out, alpha, beta);
        }
        if (r.nextDouble() < s.twinsHsvP) {
            double h = uniform(r, -s.twinsHueShift, s.twinsHueShift);
            double sa = uniform(r, -s.twinsSatShift, s.twinsSatShift);
            double va = uniform(r, -s.twinsValShift, s.twinsValShift);
            AlbuHueSaturationValue.apply(out, h, sa, va);
        }
        if (r.nextDouble() < s.grayscaleP) CvGrayscale.apply(out);
        double bp = s.blurP(v);
        if (bp > 0 && r.nextDouble() < bp) CvGaussianBlur.apply(out, uniform(r, s.blurSigma));
        if (r.nextDouble() < s.flipP) HorizontalFlip.apply(out);
        double sp = s.solarizeP(v);
        if (sp > 0 && r.nextDouble() < sp) Solarize.apply(out, s.solarizeThreshold);
        return out;
    }

    private RandomResizedCrop crop(int v) {
        return s.isGlobal(v) ? globalCrop : localCrop;
    }

    private static double uniform(SplittableRandom r, double[] range) {
        return uniform(r, range[0], range[1]);
    }

    private static double uniform(SplittableRandom r, double lo, double hi) {
        return lo + (hi - lo) * r.nextDouble();
    }

    /** The normaliser of these settings (mean/std of the config). */
    public Normalize normalize() {
        Normalize n = normalize;
        if (n == null) normalize = n = new Normalize(s.mean, s.std);
        return n;
    }
}
