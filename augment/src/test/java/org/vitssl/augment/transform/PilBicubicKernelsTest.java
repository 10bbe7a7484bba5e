package org.vitssl.augment.transform;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API resampling kernels against the scalar ones (which FaithfulnessTest pins to PIL's bytes), and
 * the fused flip against resize-then-{@link HorizontalFlip}, on random boxes and sizes (down- and upscaling,
 * one-axis resizes, odd widths that leave vector tails) of a noisy image (so that clamping happens); the same
 * for the Gaussian blur's vector column passes.
 */
class PilBicubicKernelsTest {
    @Test
    void vectorKernelsAreActiveUnderTheBuild() {
        // The surefire argLine adds jdk.incubator.vector, so the fixture tests exercise the vector kernels.
        assertTrue(PilBicubic.vectorized(), "jdk.incubator.vector should be usable in the tests");
    }

    @Test
    void vectorScalarAndFlipAgree() {
        SplittableRandom r = new SplittableRandom(7);
        int W = 157, H = 119;
        byte[] d = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int c = 0; c < 3; c++) {
                    int smooth = (x * (c + 1) + y * 2) & 0xff;
                    d[(y * W + x) * 3 + c] = (byte) (r.nextInt(5) == 0 ? r.nextInt(256) : smooth);
                }
            }
        }
        Rgb8 img = new Rgb8(W, H, d);
        PilBicubic.Source src = new PilBicubic.Source(img);
        for (int i = 0; i < 200; i++) {
            int w = 1 + r.nextInt(W), h = 1 + r.nextInt(H);
            int left = r.nextInt(W - w + 1), top = r.nextInt(H - h + 1);
            int outW = i % 10 == 0 ? w : 1 + r.nextInt(120), outH = i % 10 == 5 ? h : 1 + r.nextInt(120);
            String what = "box " + left + "," + top + " " + w + "x" + h + " -> " + outW + "x" + outH;
            Rgb8 scalar = PilBicubic.resizeBox(src, left, top, w, h, outW, outH, false, false);
            Rgb8 vector = PilBicubic.resizeBox(src, left, top, w, h, outW, outH, false, true);
            assertArrayEquals(scalar.data, vector.data, what);
            Rgb8 flipped = scalar.copy();
            HorizontalFlip.apply(flipped);
            assertArrayEquals(flipped.data, PilBicubic.resizeBox(src, left, top, w, h, outW, outH, true, true).data, "flip " + what);
            assertArrayEquals(flipped.data, PilBicubic.resizeBox(src, left, top, w, h, outW, outH, true, false).data, "flip " + what);
        }
    }

    @Test
    void blurVectorAndScalarAgree() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 40; i++) {
            int w = 1 + r.nextInt(70), h = 1 + r.nextInt(70);
            byte[] d = new byte[w * h * 3];
            for (int k = 0; k < d.length; k++) d[k] = (byte) (r.nextInt(3) == 0 ? r.nextInt(256) : (k / 3) % 256);
            double radius = 0.1 + 2.9 * r.nextDouble();
            Rgb8 scalar = new Rgb8(w, h, d.clone()), vector = new Rgb8(w, h, d.clone());
            PilGaussianBlur.apply(scalar, radius, false);
            PilGaussianBlur.apply(vector, radius, true);
            assertArrayEquals(scalar.data, vector.data, w + "x" + h + " radius " + radius);
        }
    }
}
