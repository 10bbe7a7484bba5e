package org.vitssl.augment.bench;

import org.vitssl.augment.MultiCropSettings;
import org.vitssl.augment.MultiCropTransform;
import org.vitssl.augment.View;
import org.vitssl.augment.transform.AdjustBrightness;
import org.vitssl.augment.transform.AdjustContrast;
import org.vitssl.augment.transform.AdjustHue;
import org.vitssl.augment.transform.AdjustSaturation;
import org.vitssl.augment.transform.Grayscale;
import org.vitssl.augment.transform.HorizontalFlip;
import org.vitssl.augment.transform.Normalize;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.PilBicubic;
import org.vitssl.augment.transform.PilGaussianBlur;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.augment.transform.Solarize;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-kernel CPU time of the DINO view pipeline on one photo ({@code bin/vitssl bench augment kernels:true}):
 * each step is repeated on the calling thread for a fixed CPU-time budget and its mean thread CPU time per
 * call is printed, with the expected number of calls per image under the DINO defaults (2 x 224 + 8 x 96,
 * jitter p 0.8, grayscale p 0.2, blur p 1.0 / 0.1 / 0.5, solarize p 0.2 on global 2) and their product.
 * The crop boxes are the mean-area boxes of the default scales on a 500x375 photo (global 0.7 of the area:
 * 362x362 -> 224; local 0.225: 205x205 -> 96).
 */
public final class KernelTimes {
    private KernelTimes() {}

    private interface Kernel { void run(); }

    private record Row(String step, double msPerCall, double callsPerImage) {}

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /** Mean CPU ms per call of {@code k} over about {@code seconds} CPU seconds (after a warm-up). */
    static double time(Kernel k, double seconds) {
        long budget = (long) (seconds * 1e9);
        long w0 = MX.getCurrentThreadCpuTime();
        while (MX.getCurrentThreadCpuTime() - w0 < budget / 2) k.run(); // warm-up (JIT)
        long c0 = MX.getCurrentThreadCpuTime();
        int n = 0;
        long c;
        do {
            for (int i = 0; i < 4; i++) k.run();
            n += 4;
            c = MX.getCurrentThreadCpuTime();
        } while (c - c0 < budget);
        return (c - c0) / 1e6 / n;
    }

    /** Prints the table for one JPEG photo. */
    public static void print(PrintStream out, byte[] jpeg, MultiCropSettings s, double seconds) {
        OpenCv.load();
        Rgb8 img = OpenCv.decode(jpeg);
        int G = s.globalSize, L = s.localSize;
        double gArea = img.width * (double) img.height * (s.globalScale[0] + s.globalScale[1]) / 2;
        double lArea = img.width * (double) img.height * (s.localScale[0] + s.localScale[1]) / 2;
        int gb = Math.min(Math.min(img.width, img.height), (int) Math.round(Math.sqrt(gArea)));
        int lb = Math.min(Math.min(img.width, img.height), (int) Math.round(Math.sqrt(lArea)));
        Rgb8 g = PilBicubic.resizeBox(img, 7, 5, gb, gb, G, G);
        Rgb8 l = PilBicubic.resizeBox(img, 11, 3, lb, lb, L, L);
        Rgb8 gw = g.copy(), lw = l.copy();
        Normalize norm = new MultiCropTransform(s).normalize();
        float[] gf = new float[3 * G * G], lf = new float[3 * L * L];
        int gc = s.globalCount, lc = s.localCount, views = gc + lc;
        double jp = s.jitterP;
        double blurCalls = s.blurP(0) + (gc - 1) * s.blurP(1);
        double blurLocal = lc * s.blurP(gc);
        double solar = s.solarizeP(0) + (gc - 1) * s.solarizeP(1);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("JPEG decode " + img.width + "x" + img.height, time(() -> OpenCv.decode(jpeg), seconds), 1));
        PilBicubic.Source src = new PilBicubic.Source(img);
        rows.add(new Row("resample " + gb + "x" + gb + " -> " + G + " (PIL bicubic)",
                time(() -> PilBicubic.resizeBox(src, 7, 5, gb, gb, G, G, false), seconds), gc));
        rows.add(new Row("resample " + lb + "x" + lb + " -> " + L,
                time(() -> PilBicubic.resizeBox(src, 11, 3, lb, lb, L, L, false), seconds), lc));
        // The pipeline fuses the flip into the resampling (free); the standalone kernel is shown for reference.
        rows.add(new Row("horizontal flip " + G + " (standalone; fused into the resample in the pipeline)",
                time(() -> HorizontalFlip.apply(gw), seconds), 0));
        rows.add(new Row("horizontal flip " + L + " (standalone; fused)", time(() -> HorizontalFlip.apply(lw), seconds), 0));
        addPerPixel(rows, "brightness", G, L, gc, lc, jp, seconds, g, l, gw, lw, im -> AdjustBrightness.apply(im, 1.2));
        addPerPixel(rows, "contrast", G, L, gc, lc, jp, seconds, g, l, gw, lw, im -> AdjustContrast.apply(im, 0.8));
        addPerPixel(rows, "saturation", G, L, gc, lc, jp, seconds, g, l, gw, lw, im -> AdjustSaturation.apply(im, 1.1));
        addPerPixel(rows, "hue", G, L, gc, lc, jp, seconds, g, l, gw, lw, im -> AdjustHue.apply(im, 0.05));
        addPerPixel(rows, "grayscale", G, L, gc, lc, s.grayscaleP, seconds, g, l, gw, lw, Grayscale::apply);
        double r = (s.blurSigma[0] + s.blurSigma[1]) / 2;
        rows.add(new Row("Gaussian blur " + G + ", radius " + r, time(() -> {
            System.arraycopy(g.data, 0, gw.data, 0, g.data.length);
            PilGaussianBlur.apply(gw, r);
        }, seconds), blurCalls));
        rows.add(new Row("Gaussian blur " + L + ", radius " + r, time(() -> {
            System.arraycopy(l.data, 0, lw.data, 0, l.data.length);
            PilGaussianBlur.apply(lw, r);
        }, seconds), blurLocal));
        rows.add(new Row("solarize " + G, time(() -> Solarize.apply(gw, s.solarizeThreshold), seconds), solar));
        rows.add(new Row("to-float + normalise " + G + " (HWC -> CHW)", time(() -> norm.toChw(g, gf, 0), seconds), gc));
        rows.add(new Row("to-float + normalise " + L, time(() -> norm.toChw(l, lf, 0), seconds), lc));
        int bs = 16;
        rows.add(new Row("batch arrays (allocate + zero, per image of a batch of " + bs + ")", time(() -> {
            float[] a = new float[gc * bs * 3 * G * G], b = new float[lc * bs * 3 * L * L];
            if (a.length + b.length == 1) throw new IllegalStateException();
        }, seconds) / bs, 1));
        MultiCropTransform t = new MultiCropTransform(s);
        int[] epoch = {0};
        double whole = time(() -> {
            Rgb8 im = OpenCv.decode(jpeg);
            for (View v : t.apply(im, 0, epoch[0]++, "photo")) norm.toChw(v.pixels(), v.global() ? gf : lf, 0);
        }, Math.max(seconds * 2, 3)); // the Vector API kernels need a longer warm-up (C2) than one kernel

        out.printf("Per-kernel CPU time on one %dx%d photo (thread CPU time, mean per call; %s per kernel)%n",
                img.width, img.height, seconds + " s");
        out.println();
        out.println("| step | ms per call | calls per image (expected) | ms per image | share |");
        out.println("|---|---|---|---|---|");
        double sum = 0;
        for (Row row : rows) sum += row.msPerCall * row.callsPerImage;
        for (Row row : rows) {
            double per = row.msPerCall * row.callsPerImage;
            out.printf("| %s | %.3f | %.2f | %.3f | %.0f%% |%n", row.step, row.msPerCall, row.callsPerImage, per, 100 * per / sum);
        }
        out.printf("| sum of the steps | | | %.3f | |%n", sum);
        out.printf("| whole image (decode + %d views with random draws + normalise), measured | | 1 | %.3f | |%n", views, whole);
        out.printf("vector kernels: %s%n", PilBicubic.vectorized() ? "yes (jdk.incubator.vector)" : "no (scalar fallback)");
    }

    private interface Op { void apply(Rgb8 im); }

    private static void addPerPixel(List<Row> rows, String name, int G, int L, int gc, int lc, double p, double seconds,
                                    Rgb8 g, Rgb8 l, Rgb8 gw, Rgb8 lw, Op op) {
        rows.add(new Row(name + " " + G, time(() -> {
            System.arraycopy(g.data, 0, gw.data, 0, g.data.length);
            op.apply(gw);
        }, seconds), gc * p));
        rows.add(new Row(name + " " + L, time(() -> {
            System.arraycopy(l.data, 0, lw.data, 0, l.data.length);
            op.apply(lw);
        }, seconds), lc * p));
    }

    /** {@code java -cp ... KernelTimes photo.jpg [seconds]}: the table with the default settings. */
    public static void main(String[] args) throws Exception {
        byte[] jpeg = Files.readAllBytes(Path.of(args[0]));
        double sec = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
        MultiCropSettings s = MultiCropSettings.fromConfig(org.vitssl.common.config.VitsslConfig.load(null, List.of()));
        print(System.out, jpeg, s, sec);
    }
}
