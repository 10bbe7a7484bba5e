package org.vitssl.jobs.visualize;

import org.vitssl.augment.transform.Rgb8;

import java.awt.image.BufferedImage;

/** Patch-grid maps drawn over an image: attention as a heat map, masks as grey patches. */
public final class PatchOverlay {
    private PatchOverlay() {}

    public static BufferedImage image(Rgb8 img) {
        BufferedImage b = new BufferedImage(img.width, img.height, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[img.width * img.height];
        for (int i = 0; i < px.length; i++) {
            px[i] = ((img.data[3 * i] & 255) << 16) | ((img.data[3 * i + 1] & 255) << 8) | (img.data[3 * i + 2] & 255);
        }
        b.setRGB(0, 0, img.width, img.height, px, 0, img.width);
        return b;
    }

    /** {@code scores} over a gh x gw patch grid, min-max scaled, blended (alpha) as a red-yellow heat map. */
    public static BufferedImage heat(Rgb8 img, float[] scores, int gh, int gw, double alpha) {
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float s : scores) { lo = Math.min(lo, s); hi = Math.max(hi, s); }
        float range = hi > lo ? hi - lo : 1f;
        BufferedImage out = image(img);
        for (int y = 0; y < img.height; y++) {
            for (int x = 0; x < img.width; x++) {
                int p = Math.min(gh - 1, y * gh / img.height) * gw + Math.min(gw - 1, x * gw / img.width);
                double v = (scores[p] - lo) / range;
                int rgb = out.getRGB(x, y);
                int r = (int) ((1 - alpha) * ((rgb >> 16) & 255) + alpha * 255);
                int g = (int) ((1 - alpha) * ((rgb >> 8) & 255) + alpha * 255 * v);
                int b = (int) ((1 - alpha) * (rgb & 255));
                int k = (int) (255 * (0.25 + 0.75 * v)); // dim the unattended parts
                out.setRGB(x, y, (r * k / 255) << 16 | (g * k / 255) << 8 | (b * k / 255));
            }
        }
        return out;
    }

    /** Masked patches (true) painted mid-grey, as the student sees them replaced by the mask token. */
    public static BufferedImage masked(Rgb8 img, boolean[] mask, int gh, int gw) {
        BufferedImage out = image(img);
        for (int y = 0; y < img.height; y++) {
            for (int x = 0; x < img.width; x++) {
                int p = Math.min(gh - 1, y * gh / img.height) * gw + Math.min(gw - 1, x * gw / img.width);
                if (mask[p]) out.setRGB(x, y, 0x808080);
            }
        }
        return out;
    }
}
