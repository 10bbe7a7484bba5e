package org.vitssl.augment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.vitssl.augment.transform.AdjustBrightness;
import org.vitssl.augment.transform.AdjustContrast;
import org.vitssl.augment.transform.AdjustHue;
import org.vitssl.augment.transform.AdjustSaturation;
import org.vitssl.augment.transform.ColorJitter;
import org.vitssl.augment.transform.CropBox;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.augment.transform.Grayscale;
import org.vitssl.augment.transform.HorizontalFlip;
import org.vitssl.augment.transform.Normalize;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.PilGaussianBlur;
import org.vitssl.augment.transform.RandomResizedCrop;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.augment.transform.Solarize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares every transform with torchvision 0.14 / PIL 9.4 outputs for fixed parameters, written by
 * augment/src/test/python/make_fixtures.py. Tolerances (README "Faithfulness"): every uint8 operation is
 * bit-exact (max |diff| = 0), the float outputs (normalise, eval) within 1e-6, the JPEG decode within
 * {@link #JPEG_TOLERANCE} grey levels.
 */
class FaithfulnessTest {
    static final int JPEG_TOLERANCE = 2;
    static final double FLOAT_TOLERANCE = 1e-6;
    static final double[] MEAN = {0.485, 0.456, 0.406}, STD = {0.229, 0.224, 0.225};
    static Path dir;
    static Config manifest;

    @BeforeAll
    static void load() throws Exception {
        dir = Paths.get(FaithfulnessTest.class.getResource("/fixtures/manifest.json").toURI()).getParent();
        manifest = ConfigFactory.parseFile(dir.resolve("manifest.json").toFile());
        OpenCv.load();
    }

    static byte[] read(String f) {
        try {
            return Files.readAllBytes(dir.resolve(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Rgb8 input(String name) {
        if (manifest == null) {
            try { load(); } catch (Exception e) { throw new IllegalStateException(e); }
        }
        Config in = manifest.getConfig("inputs").getConfig(name);
        return new Rgb8(in.getInt("w"), in.getInt("h"), read(in.getString("file")));
    }

    @TestFactory
    List<DynamicTest> everyCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Config c : manifest.getConfigList("cases")) {
            tests.add(DynamicTest.dynamicTest(c.getString("name"), () -> check(c)));
        }
        assertTrue(tests.size() >= 40, "fixtures missing");
        return tests;
    }

    void check(Config c) {
        String op = c.getString("op");
        Config p = c.getConfig("params");
        Rgb8 img = input(c.getString("input")).copy();
        int w = c.getInt("w"), h = c.getInt("h");
        if (c.getString("dtype").equals("f32")) {
            float[] got = op.equals("eval")
                    ? new EvalTransform(p.getInt("resize"), p.getInt("crop"), false, MEAN, STD).toTensor(img)
                    : new Normalize(MEAN, STD).toChw(img);
            ByteBuffer bb = ByteBuffer.wrap(read(c.getString("out"))).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(bb.remaining() / 4, got.length, "length");
            double max = 0;
            for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - bb.getFloat()));
            assertTrue(max <= FLOAT_TOLERANCE, c.getString("name") + ": max |diff| " + max);
            return;
        }
        Rgb8 out = switch (op) {
            case "resized_crop" -> RandomResizedCrop.apply(img,
                    new CropBox(p.getInt("top"), p.getInt("left"), p.getInt("h"), p.getInt("w")), p.getInt("size"));
            case "hflip" -> { HorizontalFlip.apply(img); yield img; }
            case "brightness" -> { AdjustBrightness.apply(img, p.getDouble("factor")); yield img; }
            case "contrast" -> { AdjustContrast.apply(img, p.getDouble("factor")); yield img; }
            case "saturation" -> { AdjustSaturation.apply(img, p.getDouble("factor")); yield img; }
            case "hue" -> { AdjustHue.apply(img, p.getDouble("hue")); yield img; }
            case "grayscale" -> { Grayscale.apply(img); yield img; }
            case "blur" -> { PilGaussianBlur.apply(img, p.getDouble("radius")); yield img; }
            case "solarize" -> { Solarize.apply(img, p.getInt("threshold")); yield img; }
            case "compose" -> compose(img, p);
            case "jpeg_decode" -> OpenCv.decode(read(p.getString("file")));
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
        assertEquals(w, out.width, "width");
        assertEquals(h, out.height, "height");
        byte[] want = read(c.getString("out"));
        int max = 0, differ = 0;
        for (int i = 0; i < want.length; i++) {
            int d = Math.abs((want[i] & 0xff) - (out.data[i] & 0xff));
            if (d > 0) differ++;
            max = Math.max(max, d);
        }
        int tol = op.equals("jpeg_decode") ? JPEG_TOLERANCE : 0;
        System.out.printf("fixture %-22s max |diff| %d in %d of %d values%n", c.getString("name"), max, differ, want.length);
        assertTrue(max <= tol, c.getString("name") + ": max |diff| " + max + " in " + differ + " of "
                + want.length + " values (tolerance " + tol + ")");
    }

    private static Rgb8 compose(Rgb8 img, Config p) {
        Rgb8 out = RandomResizedCrop.apply(img, new CropBox(p.getInt("top"), p.getInt("left"), p.getInt("h"), p.getInt("w")),
                p.getInt("size"));
        if (p.getBoolean("flip")) HorizontalFlip.apply(out);
        int[] order = p.getIntList("order").stream().mapToInt(Integer::intValue).toArray();
        ColorJitter j = new ColorJitter(1.0, 0.4, 0.4, 0.2, 0.1);
        j.apply(out, new ColorJitter.Params(order, p.getDouble("brightness"), p.getDouble("contrast"),
                p.getDouble("saturation"), p.getDouble("hue")));
        if (p.getBoolean("grayscale")) Grayscale.apply(out);
        PilGaussianBlur.apply(out, p.getDouble("radius"));
        if (p.getBoolean("solarize")) Solarize.apply(out, 128);
        return out;
    }
}
