package org.vitssl.augment;

import org.junit.jupiter.api.Test;
import org.vitssl.augment.transform.AlbuBrightnessContrast;
import org.vitssl.augment.transform.AlbuHueSaturationValue;
import org.vitssl.augment.transform.CvGaussianBlur;
import org.vitssl.augment.transform.CvGrayscale;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The albumentations-style operations of DINO Twins (no albumentations/cv2 in Python here, so no fixtures):
 * checked against albumentations' formulas written out independently.
 */
class TwinsOpsTest {
    final Rgb8 photo = FaithfulnessTest.input("cat");

    @Test
    void brightnessContrastIsAlbumentationsLut() {
        OpenCv.load();
        double alpha = 1.23, beta = -0.17;
        Rgb8 img = photo.copy();
        AlbuBrightnessContrast.apply(img, alpha, beta);
        for (int i = 0; i < img.data.length; i++) {
            float v = (float) (photo.data[i] & 0xff) * (float) alpha + (float) (beta * 255); // numpy float32 lut
            int want = (int) Math.max(0f, Math.min(255f, v));
            assertEquals(want, img.data[i] & 0xff);
        }
    }

    @Test
    void blurKernelSizeRuleAndGrey() {
        assertEquals(1, CvGaussianBlur.kernelSize(0.1));  // int(1.6) | 1 = 1: no blur
        assertEquals(3, CvGaussianBlur.kernelSize(0.2));  // int(2.2) | 1 = 3
        assertEquals(13, CvGaussianBlur.kernelSize(2.0));
        Rgb8 img = photo.copy();
        CvGaussianBlur.apply(img, 0.1);
        assertTrue(java.util.Arrays.equals(photo.data, img.data));
        // sigma 0.2 with a 3x3 kernel: the side weights exp(-12.5) vanish in OpenCV's 8-bit fixed point,
        // so DINO Twins' blur range [0.1, 0.2] leaves uint8 images unchanged (as cv2 does).
        CvGaussianBlur.apply(img, 0.2);
        assertTrue(java.util.Arrays.equals(photo.data, img.data));
        CvGaussianBlur.apply(img, 1.0);
        assertTrue(!java.util.Arrays.equals(photo.data, img.data));
        Rgb8 g = photo.copy();
        CvGrayscale.apply(g);
        for (int i = 0; i < g.data.length; i += 3) {
            int r = photo.data[i] & 0xff, gg = photo.data[i + 1] & 0xff, b = photo.data[i + 2] & 0xff;
            double y = 0.299 * r + 0.587 * gg + 0.114 * b;
            assertTrue(Math.abs((g.data[i] & 0xff) - y) <= 1.0);
            assertEquals(g.data[i], g.data[i + 1]);
            assertEquals(g.data[i], g.data[i + 2]);
        }
    }

    @Test
    void hueShiftMovesOpenCvHueAndSaturationClips() {
        // A pure red pixel (OpenCV hue 0): +18 on the 0..179 scale is 36 degrees, towards yellow.
        Rgb8 red = new Rgb8(1, 1, new byte[] {(byte) 255, 0, 0});
        AlbuHueSaturationValue.apply(red, 18, 0, 0);
        assertEquals(255, red.data[0] & 0xff);
        assertTrue((red.data[1] & 0xff) > 140 && (red.data[1] & 0xff) < 165, "green " + (red.data[1] & 0xff));
        assertEquals(0, red.data[2] & 0xff);
        // Negative shift wraps to the other side of red (magenta).
        Rgb8 red2 = new Rgb8(1, 1, new byte[] {(byte) 255, 0, 0});
        AlbuHueSaturationValue.apply(red2, -18, 0, 0);
        assertEquals(0, red2.data[1] & 0xff);
        assertTrue((red2.data[2] & 0xff) > 140);
        // Saturation -255 clips to 0: grey.
        Rgb8 c = photo.copy();
        AlbuHueSaturationValue.apply(c, 0, -255, 0);
        for (int i = 0; i < c.data.length; i += 3) {
            assertEquals(c.data[i], c.data[i + 1]);
            assertEquals(c.data[i], c.data[i + 2]);
        }
    }
}
