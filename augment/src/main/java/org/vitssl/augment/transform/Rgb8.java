package org.vitssl.augment.transform;

/**
 * An 8-bit RGB image stored row-major as interleaved bytes (HWC): pixel (x, y) channel c is
 * {@code data[(y * width + x) * 3 + c]}, read as unsigned. This is the layout of a PIL "RGB" image
 * and of the materialised views table's {@code pixels} column, so every transform works on it directly.
 */
public final class Rgb8 {
    public final int width;
    public final int height;
    public final byte[] data;

    public Rgb8(int width, int height, byte[] data) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size " + width + "x" + height);
        if (data.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + (width * height * 3) + " bytes, got " + data.length);
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    public static Rgb8 blank(int width, int height) {
        return new Rgb8(width, height, new byte[width * height * 3]);
    }

    public Rgb8 copy() {
        return new Rgb8(width, height, data.clone());
    }

    /** Applies one 256-entry lookup table to every channel value, in place. */
    public void applyLut(byte[] lut) {
        byte[] d = data;
        for (int i = 0; i < d.length; i++) d[i] = lut[d[i] & 0xff];
    }

    /** PIL's "L" conversion of one pixel: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 (ITU-R 601-2). */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }
}
