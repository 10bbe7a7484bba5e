package org.vitssl.augment.transform;

/**
 * torchvision 0.14 {@code adjust_hue} on a PIL image: convert to PIL "HSV" (8-bit H, S, V), add
 * {@code uint8(hue * 255)} to H with wrap-around (the shift is truncated toward zero, then taken modulo 256,
 * as numpy does), convert back to RGB.
 *
 * <p>The two conversions follow Pillow's {@code rgb2hsv}/{@code hsv2rgb} (colorsys formulas with PIL's
 * float/double mix and truncations: {@code H = int(255 * frac(h/6 + 1))}, {@code S = int(255 * (max-min)/max)},
 * {@code V = max}; back: sector {@code i = floor(6H/255)}, {@code p, q, t = round(V * (1 - s...))}), so the
 * result is bit-identical to PIL. One fused per-pixel kernel over the byte array; the divisions and the
 * per-(S, H) and per-(S, V) products are tabulated once (the same float/double values PIL computes).
 */
public final class AdjustHue {
    private AdjustHue() {}

    /** The shift added to PIL's 8-bit hue channel for a hue factor in [-0.5, 0.5]. */
    public static int shift(double hue) {
        return ((int) (hue * 255)) & 0xff;
    }

    /** (float) a / (float) cr for a, cr in 0..255: PIL's per-pixel divisions, tabulated (same floats). */
    private static final float[] DIV = new float[256 * 256];
    /** S = clip8(int((cr / max) * 255.0)) for (cr, max). */
    private static final byte[] SAT = new byte[256 * 256];
    /** p = round(V * (1.0 - fs)) for (S, V), fs = (float)(S / 255.0). */
    private static final byte[] P = new byte[256 * 256];
    /**
     * PIL's factors {@code 1.0 - fs * f} (fs * f in float) and {@code 1.0 - fs * (1.0 - f)} (double) for (S, H),
     * f = remainder of 6H/255: then q = round(V * FQ), t = round(V * FT).
     */
    private static final double[] FQ = new double[256 * 256];
    private static final double[] FT = new double[256 * 256];
    private static final int[] SECTOR = new int[256];

    static {
        for (int a = 0; a < 256; a++) {
            for (int cr = 1; cr < 256; cr++) DIV[a << 8 | cr] = (float) a / (float) cr;
        }
        for (int cr = 0; cr < 256; cr++) {
            for (int max = Math.max(1, cr); max < 256; max++) {
                float sv = (float) cr / (float) max;
                SAT[cr << 8 | max] = (byte) clip8((int) (sv * 255.0));
            }
        }
        int[] sector = new int[256];
        for (int h = 0; h < 256; h++) sector[h] = (int) Math.floor((float) h * 6.0 / 255.0);
        for (int h = 0; h < 256; h++) SECTOR[h] = sector[h] % 6;
        for (int sv = 0; sv < 256; sv++) {
            float fs = (float) ((float) sv / 255.0);
            for (int v = 0; v < 256; v++) P[sv << 8 | v] = (byte) clip8((int) Math.round((float) v * (1.0 - fs)));
            for (int h = 0; h < 256; h++) {
                float f = (float) ((float) h * 6.0 / 255.0 - (float) sector[h]);
                FQ[sv << 8 | h] = 1.0 - fs * f;
                FT[sv << 8 | h] = 1.0 - fs * (1.0 - f);
            }
        }
    }

    public static void apply(Rgb8 img, double hue) {
        if (hue < -0.5 || hue > 0.5) throw new IllegalArgumentException("hue factor " + hue + " outside [-0.5, 0.5]");
        int shift = shift(hue);
        byte[] d = img.data;
        for (int i = 0; i < d.length; i += 3) {
            int r = d[i] & 0xff, g = d[i + 1] & 0xff, b = d[i + 2] & 0xff;
            int maxc = Math.max(r, Math.max(g, b));
            int minc = Math.min(r, Math.min(g, b));
            if (minc == maxc) continue; // grey: S = 0, unchanged by a hue shift
            int cr = maxc - minc;
            float h;
            if (r == maxc) h = DIV[(maxc - b) << 8 | cr] - DIV[(maxc - g) << 8 | cr];
            else if (g == maxc) h = (float) (2.0 + DIV[(maxc - r) << 8 | cr] - DIV[(maxc - b) << 8 | cr]);
            else h = (float) (4.0 + DIV[(maxc - g) << 8 | cr] - DIV[(maxc - r) << 8 | cr]);
            double x = h / 6.0 + 1.0;
            h = (float) (x >= 1.0 ? x - 1.0 : x); // fmod(x, 1.0) for x in (0, 2), exact
            int uh = (clip8((int) (h * 255.0)) + shift) & 0xff;
            int us = SAT[cr << 8 | maxc] & 0xff;
            int uv = maxc;
            if (us == 0) {
                d[i] = d[i + 1] = d[i + 2] = (byte) uv;
                continue;
            }
            int k = us << 8 | uh;
            int up = P[us << 8 | uv] & 0xff;
            // V * factor is >= 0 and has at most 33 significant bits, so (int)(x + 0.5) is C's round(x).
            int uq = Math.min(255, (int) ((float) uv * FQ[k] + 0.5));
            int ut = Math.min(255, (int) ((float) uv * FT[k] + 0.5));
            int ro, go, bo;
            switch (SECTOR[uh]) {
                case 0: ro = uv; go = ut; bo = up; break;
                case 1: ro = uq; go = uv; bo = up; break;
                case 2: ro = up; go = uv; bo = ut; break;
                case 3: ro = up; go = uq; bo = uv; break;
                case 4: ro = ut; go = up; bo = uv; break;
                default: ro = uv; go = up; bo = uq; break;
            }
            d[i] = (byte) ro;
            d[i + 1] = (byte) go;
            d[i + 2] = (byte) bo;
        }
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }
}
