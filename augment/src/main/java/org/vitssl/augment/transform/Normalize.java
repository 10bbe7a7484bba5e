package org.vitssl.augment.transform;

/**
 * {@code ToTensor()} then {@code Normalize(mean, std)}: HWC uint8 -> CHW float32,
 * {@code out[c][y][x] = (v / 255 - mean_c) / std_c}, each step in float32 as torch does, so the result is
 * bit-identical to torchvision. Implemented with one 256-entry float table per channel.
 */
public final class Normalize {
    private final float[][] tables = new float[3][256];

    public Normalize(double[] mean, double[] std) {
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c], s = (float) std[c];
            for (int v = 0; v < 256; v++) tables[c][v] = ((float) v / 255f - m) / s;
        }
    }

    /** Writes the CHW floats of the image into {@code dst} from {@code offset} (3*H*W values). */
    public void toChw(Rgb8 img, float[] dst, int offset) {
        int plane = img.width * img.height;
        byte[] d = img.data;
        float[] t0 = tables[0], t1 = tables[1], t2 = tables[2];
        int o1 = offset + plane, o2 = offset + 2 * plane;
        for (int p = 0, i = 0; p < plane; p++, i += 3) {
            dst[offset + p] = t0[d[i] & 0xff];
            dst[o1 + p] = t1[d[i + 1] & 0xff];
            dst[o2 + p] = t2[d[i + 2] & 0xff];
        }
    }

    public float[] toChw(Rgb8 img) {
        float[] out = new float[img.width * img.height * 3];
        toChw(img, out, 0);
        return out;
    }
}
