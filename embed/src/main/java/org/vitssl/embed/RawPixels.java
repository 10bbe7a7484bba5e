package org.vitssl.embed;

import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;

import java.util.List;

/**
 * The raw-pixels baseline ({@code vitssl.embed.checkpoint = "raw-pixels"}): each image as its stored pixels
 * scaled to [0, 1] (value / 255), row-major, no resize and no normalisation, so the k-NN and the probe of
 * a pretrained backbone can be compared with the input itself (the study's "raw pixels (/255)" row).
 * A grey image (R = G = B everywhere) gives one value per pixel, a colour image three (interleaved RGB);
 * every image of a table must give the same length (same size and kind), else the image is named.
 */
public final class RawPixels {
    /** The reserved checkpoint name that selects this baseline. */
    public static final String CHECKPOINT = "raw-pixels";

    private RawPixels() {}

    public static boolean selected(String checkpoint) {
        return CHECKPOINT.equals(checkpoint);
    }

    /** One feature vector per image; {@code ids} name an image that cannot be decoded or has another length. */
    public static float[][] embed(List<byte[]> images, List<String> ids, int[] expectedLength) {
        float[][] out = new float[images.size()][];
        for (int i = 0; i < images.size(); i++) {
            Rgb8 img;
            try {
                img = OpenCv.decode(images.get(i));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("image " + ids.get(i) + " cannot be decoded: " + e.getMessage(), e);
            }
            out[i] = features(img);
            if (expectedLength[0] < 0) expectedLength[0] = out[i].length;
            if (out[i].length != expectedLength[0]) {
                throw new IllegalArgumentException("raw-pixels: image " + ids.get(i) + " (" + img.width + "x" + img.height
                        + ") gives " + out[i].length + " values, earlier images " + expectedLength[0]
                        + ": the baseline needs images of one size and kind (grey or colour)");
            }
        }
        return out;
    }

    static float[] features(Rgb8 img) {
        byte[] d = img.data;
        int n = img.width * img.height;
        boolean grey = true;
        for (int p = 0; p < n && grey; p++) {
            grey = d[3 * p] == d[3 * p + 1] && d[3 * p] == d[3 * p + 2];
        }
        float[] f = new float[grey ? n : 3 * n];
        if (grey) {
            for (int p = 0; p < n; p++) f[p] = (d[3 * p] & 0xFF) / 255f;
        } else {
            for (int j = 0; j < f.length; j++) f[j] = (d[j] & 0xFF) / 255f;
        }
        return f;
    }
}
