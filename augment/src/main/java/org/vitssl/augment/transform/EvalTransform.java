package org.vitssl.augment.transform;

/**
 * The evaluation transform ({@code Resize(resize, BICUBIC)}, {@code CenterCrop(crop)}, {@code ToTensor},
 * {@code Normalize}) of DINO's k-NN and linear evaluation, torchvision 0.14 semantics:
 * <ul>
 * <li>Resize the shorter side to {@code resize}: for W <= H, {@code (resize, int(resize * H / W))}, else
 *     {@code (int(resize * W / H), resize)}; PIL bicubic ({@link PilBicubic}, exact); no resize when the
 *     size is unchanged.</li>
 * <li>Centre crop crop x crop at {@code top = round((H' - crop) / 2)}, {@code left = round((W' - crop) / 2)}
 *     (round half to even); an image smaller than the crop is first padded with zeros as torchvision does.</li>
 * <li>Identity shortcut (when {@code identityAtSize}): an image already crop x crop is used as it is (small
 *     datasets such as CIFAR or Fashion-MNIST at native size).</li>
 * </ul>
 */
public final class EvalTransform implements java.io.Serializable {
    private final int resize, crop;
    private final boolean identityAtSize;
    private final double[] mean, std;
    private transient Normalize normalize;

    public EvalTransform(int resize, int crop, boolean identityAtSize, double[] mean, double[] std) {
        if (resize <= 0 || crop <= 0) throw new IllegalArgumentException("resize and crop must be positive");
        this.resize = resize;
        this.crop = crop;
        this.identityAtSize = identityAtSize;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    public int cropSize() { return crop; }

    /**
     * This transform with the crop {@code newCrop} and the resize keeping its ratio to the crop (DINO's 256 / 224
     * is 8 / 7: 32 for a 28-pixel model), or this transform when the crop is already {@code newCrop};
     * {@code vitssl.augment.eval.match-checkpoint} uses it so a model trained at {@code newCrop} pixels is
     * evaluated at its own size.
     */
    public EvalTransform atCrop(int newCrop) {
        if (newCrop == crop) return this;
        int newResize = (int) Math.round((double) newCrop * resize / crop);
        return new EvalTransform(newResize, newCrop, identityAtSize, mean, std);
    }

    @Override public String toString() {
        return resize + "/" + crop + (identityAtSize ? "/identity-at-size" : "");
    }

    /**
     * The evaluation transform of {@code vitssl.augment.eval} ({@code resize}, {@code crop},
     * {@code identity-at-size}) with the normalisation of {@code vitssl.augment.normalize}; ranges checked,
     * errors name the key.
     */
    public static EvalTransform fromConfig(com.typesafe.config.Config config) {
        String p = "vitssl.augment.";
        int resize = org.vitssl.common.config.ConfigChecks.intIn(config, p + "eval.resize", 1, 16384);
        int crop = org.vitssl.common.config.ConfigChecks.intIn(config, p + "eval.crop", 1, 16384);
        org.vitssl.augment.MultiCropSettings s = org.vitssl.augment.MultiCropSettings.fromConfig(config);
        return new EvalTransform(resize, crop, config.getBoolean(p + "eval.identity-at-size"), s.mean, s.std);
    }

    /** Decodes encoded image bytes (JPEG, PNG, ...) and returns the normalised CHW floats. */
    public float[] toTensor(byte[] encoded) {
        return toTensor(OpenCv.decode(encoded));
    }

    /** The uint8 crop x crop image. */
    public Rgb8 apply(Rgb8 img) {
        if (identityAtSize && img.width == crop && img.height == crop) return img;
        int w = img.width, h = img.height;
        int nw, nh;
        if (w <= h) { nw = resize; nh = (int) ((long) resize * h / (double) w); }
        else { nh = resize; nw = (int) ((long) resize * w / (double) h); }
        Rgb8 r = (nw == w && nh == h) ? img : PilBicubic.resize(img, nw, nh);
        if (r.width < crop || r.height < crop) r = padCentre(r, Math.max(crop, r.width), Math.max(crop, r.height));
        int top = (int) Math.rint((r.height - crop) / 2.0);
        int left = (int) Math.rint((r.width - crop) / 2.0);
        return PilBicubic.crop(r, left, top, crop, crop);
    }

    /** torchvision's zero padding of a too small image (left/top get the floor half). */
    private static Rgb8 padCentre(Rgb8 img, int w, int h) {
        int padL = (w - img.width) / 2, padT = (h - img.height) / 2;
        Rgb8 out = Rgb8.blank(w, h);
        for (int y = 0; y < img.height; y++) {
            System.arraycopy(img.data, y * img.width * 3, out.data, ((y + padT) * w + padL) * 3, img.width * 3);
        }
        return out;
    }

    /** The normalised CHW floats (3 * crop * crop). */
    public float[] toTensor(Rgb8 img) {
        if (normalize == null) normalize = new Normalize(mean, std);
        return normalize.toChw(apply(img));
    }
}
