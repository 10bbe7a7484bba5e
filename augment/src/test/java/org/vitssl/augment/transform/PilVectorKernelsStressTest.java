package org.vitssl.augment.transform;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Vector API kernels against the scalar ones after the JIT has compiled them (C2), on several threads at
 * once, for the sizes the training stage uses (tiny images, 8-16 px crops) and larger ones: thousands of random
 * boxes, flips and blur radii per thread.
 */
class PilVectorKernelsStressTest {
    static final int THREADS = 4;
    static final long NANOS = 6_000_000_000L;

    static Rgb8 image(SplittableRandom r, int w, int h) {
        byte[] d = new byte[w * h * 3];
        int a = r.nextInt(256), b = r.nextInt(256);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int smooth = (a + x * (c + 1) * 5 + y * 3 + b * c) & 0xff;
                    d[(y * w + x) * 3 + c] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : smooth);
                }
            }
        }
        return new Rgb8(w, h, d);
    }

    static String work(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long end = System.nanoTime() + NANOS;
        long n = 0;
        while (System.nanoTime() < end) {
            boolean tiny = r.nextInt(4) != 0;
            int W = tiny ? 4 + r.nextInt(40) : 40 + r.nextInt(300), H = tiny ? 4 + r.nextInt(40) : 40 + r.nextInt(300);
            Rgb8 img = image(r, W, H);
            PilBicubic.Source src = new PilBicubic.Source(img);
            for (int k = 0; k < 10; k++, n++) {
                int w = 1 + r.nextInt(W), h = 1 + r.nextInt(H);
                int left = r.nextInt(W - w + 1), top = r.nextInt(H - h + 1);
                int[] sizes = tiny ? new int[] {8, 16, 1 + r.nextInt(48)} : new int[] {16, 32, 96, 1 + r.nextInt(224)};
                int outW = sizes[r.nextInt(sizes.length)];
                int outH = r.nextInt(3) == 0 ? 1 + r.nextInt(64) : outW;
                boolean flip = r.nextBoolean();
                Rgb8 s = PilBicubic.resizeBox(src, left, top, w, h, outW, outH, flip, false);
                Rgb8 v = PilBicubic.resizeBox(src, left, top, w, h, outW, outH, flip, true);
                if (!java.util.Arrays.equals(s.data, v.data)) {
                    int i = java.util.Arrays.mismatch(s.data, v.data);
                    return "resize " + W + "x" + H + " box " + left + "," + top + " " + w + "x" + h + " -> " + outW + "x"
                            + outH + " flip " + flip + " after " + n + " calls: byte " + i + " scalar " + (s.data[i] & 0xff)
                            + " vector " + (v.data[i] & 0xff);
                }
                double radius = 0.1 + 1.9 * r.nextDouble();
                Rgb8 bs = s.copy(), bv = s.copy();
                PilGaussianBlur.apply(bs, radius, false);
                PilGaussianBlur.apply(bv, radius, true);
                if (!java.util.Arrays.equals(bs.data, bv.data)) {
                    int i = java.util.Arrays.mismatch(bs.data, bv.data);
                    return "blur " + outW + "x" + outH + " radius " + radius + " after " + n + " calls: byte " + i
                            + " scalar " + (bs.data[i] & 0xff) + " vector " + (bv.data[i] & 0xff);
                }
            }
        }
        return "ok " + n;
    }

    @Test
    void compiledVectorKernelsMatchTheScalarOnesOnManyThreads() throws Exception {
        assertTrue(PilBicubic.vectorized(), "jdk.incubator.vector should be usable in the tests");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<String>> fs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = 1000 + t;
                fs.add(pool.submit(() -> work(seed)));
            }
            for (Future<String> f : fs) {
                String res = f.get();
                System.out.println("stress: " + res);
                if (!res.startsWith("ok")) fail(res);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
