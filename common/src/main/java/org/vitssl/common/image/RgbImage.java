package org.vitssl.common.image;

/** A decoded image: 8-bit RGB, row-major, interleaved (HWC), {@code rgb.length == width * height * 3}. */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + width + "x" + height + "x3");
        }
    }
}
