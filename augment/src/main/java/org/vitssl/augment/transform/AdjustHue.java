package org.vitssl.augment.transform;

/**
 * torchvision 0.14 {@code adjust_hue} on a PIL image: convert to PIL "HSV" (8-bit H, S, V), add
 * {@code uint8(hue * 255)} to H with wrap-around (the shift is truncated toward zero, then taken modulo 256,
 * as numpy does), convert back to RGB.
 *
 * <p>The two conversions follow Pillow's {@code rgb2hsv}/{@code hsv2rgb} (colorsys formulas with PIL's
 * float/double mix and truncations: {@code H = int(255 * frac(h/6 + 1))}, {@code S = int(255 * (max-min)/max)},
 * {@code V = max}; back: sector {@code i = floor(6H/255)}, {@code p, q, t = round(V * (1 - s...))}), so the
 * result is bit-identical to PIL. One fused per-pixel kernel over the byte array (no temporary planes).
 */
public final class AdjustHue {
    private AdjustHue() {}

    /** The shift added to PIL's 8-bit hue channel for a hue factor in [-0.5, 0.5]. */
    public static int shift(double hue) {
        return ((int) (hue * 255)) & 0xff;
    }

    public static void apply(Rgb8 img, double hue) {
        if (hue < -0.5 || hue > 0.5) throw new IllegalArgumentException("hue factor " + hue + " outside [-0.5, 0.5]");
        int shift = shift(hue);
        byte[] d = img.data;
        for (int i = 0; i < d.length; i += 3) {
            int r = d[i] & 0xff, g = d[i + 1] & 0xff, b = d[i + 2] & 0xff;
            int maxc = Math.max(r, Math.max(g, b));
            int minc = Math.min(r, Math.min(g, b));
            int uh, us, uv = maxc;
            if (minc == maxc) {
                uh = 0;
                us = 0;
            } else {
                float cr = (float) (maxc - minc);
                float s = cr / (float) maxc;
                float rc = ((float) (maxc - r)) / cr;
                float gc = ((float) (maxc - g)) / cr;
                float bc = ((float) (maxc - b)) / cr;
                float h;
                if (r == maxc) h = bc - gc;
                else if (g == maxc) h = (float) (2.0 + rc - bc);
                else h = (float) (4.0 + gc - rc);
                h = (float) ((h / 6.0 + 1.0) % 1.0);
                uh = clip8((int) (h * 255.0));
                us = clip8((int) (s * 255.0));
            }
            uh = (uh + shift) & 0xff;
            if (us == 0) {
                d[i] = d[i + 1] = d[i + 2] = (byte) uv;
                continue;
            }
            int sector = (int) Math.floor((float) uh * 6.0 / 255.0);
            float f = (float) ((float) uh * 6.0 / 255.0 - (float) sector);
            float fs = (float) ((float) us / 255.0);
            int up = clip8((int) Math.round((float) uv * (1.0 - fs)));
            int uq = clip8((int) Math.round((float) uv * (1.0 - fs * f)));
            int ut = clip8((int) Math.round((float) uv * (1.0 - fs * (1.0 - f))));
            int ro, go, bo;
            switch (sector % 6) {
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
