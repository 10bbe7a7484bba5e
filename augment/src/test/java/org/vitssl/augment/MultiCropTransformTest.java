package org.vitssl.augment;

import com.typesafe.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.vitssl.augment.transform.CropBox;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.RandomResizedCrop;
import org.vitssl.augment.transform.Rgb8;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultiCropTransformTest {
    final Rgb8 photo = FaithfulnessTest.input("coffee");

    @Test
    void viewsComeInOrderWithTheirSizes() {
        MultiCropSettings s = Settings.small();
        List<View> v = new MultiCropTransform(s).apply(photo, 7, 0, "a");
        assertEquals(5, v.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(i, v.get(i).index());
            int size = i < 2 ? 32 : 16;
            assertEquals(i < 2, v.get(i).global());
            assertEquals(size, v.get(i).pixels().width);
            assertEquals(size, v.get(i).pixels().height);
        }
    }

    @Test
    void viewsDependOnlyOnSeedEpochAndId() {
        MultiCropTransform t = new MultiCropTransform(Settings.small());
        List<View> a = t.apply(photo, 7, 3, "img/1.jpg");
        List<View> b = new MultiCropTransform(Settings.small()).apply(photo.copy(), 7, 3, "img/1.jpg");
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).pixels().data, b.get(i).pixels().data);
        assertFalse(java.util.Arrays.equals(a.get(0).pixels().data, t.apply(photo, 7, 4, "img/1.jpg").get(0).pixels().data));
        assertFalse(java.util.Arrays.equals(a.get(0).pixels().data, t.apply(photo, 8, 3, "img/1.jpg").get(0).pixels().data));
        assertFalse(java.util.Arrays.equals(a.get(0).pixels().data, t.apply(photo, 7, 3, "img/2.jpg").get(0).pixels().data));
        // Each view has its own stream: more local crops leave the globals unchanged.
        List<View> more = new MultiCropTransform(Settings.small("augment.local.count=6")).apply(photo, 7, 3, "img/1.jpg");
        assertArrayEquals(a.get(1).pixels().data, more.get(1).pixels().data);
        assertArrayEquals(a.get(3).pixels().data, more.get(3).pixels().data);
    }

    @Test
    void firstGlobalIsAlwaysBlurredAndOnlySecondGlobalSolarizes() {
        // With jitter, grayscale, flip off, global 1 always differs from an unblurred crop of the same box.
        MultiCropSettings s = Settings.small("augment.jitter.p=0", "augment.grayscale-p=0", "augment.flip-p=0",
                "augment.blur.sigma=[1.5,2.0]", "augment.solarize.global2-p=1.0", "augment.blur.global2-p=0");
        MultiCropTransform t = new MultiCropTransform(s);
        long imageSeed = ViewSeeds.imageSeed(1, 0, "x");
        SplittableRandom r0 = ViewSeeds.forView(imageSeed, 0);
        CropBox box0 = new RandomResizedCrop(32, s.globalScale, s.ratio).sample(photo.width, photo.height, r0);
        Rgb8 plain0 = RandomResizedCrop.apply(photo, box0, 32);
        Rgb8 g1 = t.view(photo, 0, ViewSeeds.forView(imageSeed, 0));
        assertFalse(java.util.Arrays.equals(plain0.data, g1.data), "global 1 must be blurred");
        SplittableRandom r1 = ViewSeeds.forView(imageSeed, 1);
        CropBox box1 = new RandomResizedCrop(32, s.globalScale, s.ratio).sample(photo.width, photo.height, r1);
        Rgb8 plain1 = RandomResizedCrop.apply(photo, box1, 32);
        Rgb8 g2 = t.view(photo, 1, ViewSeeds.forView(imageSeed, 1));
        for (int i = 0; i < g2.data.length; i++) {
            int v = plain1.data[i] & 0xff;
            assertEquals(v < 128 ? v : 255 - v, g2.data[i] & 0xff);
        }
    }

    @Test
    void cropFallbackAndAttemptsFollowTorchvision() {
        RandomResizedCrop c = new RandomResizedCrop(8, new double[] {0.4, 1.0}, new double[] {0.75, 4 / 3.0});
        // A very wide image: every attempt fails for scale near 1, the fallback clamps the ratio to 4/3.
        assertEquals(new CropBox(0, 433, 30, 40), c.centreFallback(906, 30));
        assertEquals(new CropBox(0, 0, 30, 31), c.centreFallback(31, 30));
        assertEquals(new CropBox(433, 0, 40, 30), c.centreFallback(30, 906));
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            CropBox b = c.sample(61, 41, r);
            assertTrue(b.left() >= 0 && b.top() >= 0 && b.left() + b.width() <= 61 && b.top() + b.height() <= 41);
            double area = b.width() * (double) b.height() / (61 * 41);
            assertTrue(area > 0.3 && area <= 1.0, "area " + area);
        }
    }

    @Test
    void twinsPipelineProducesThirtyTwoPixelViews() {
        OpenCv.load();
        MultiCropSettings s = MultiCropSettings.fromConfig(org.vitssl.common.config.VitsslConfig.load(
                new java.io.File(System.getProperty("vitssl.repo.root", "..") + "/conf/augment/dino-twins-cifar32.conf").getPath(),
                List.of()));
        assertTrue(s.twins());
        List<View> v = new MultiCropTransform(s).apply(FaithfulnessTest.input("square"), 0, 0, "c");
        assertEquals(5, v.size());
        for (View x : v) assertEquals(32, x.pixels().width);
        assertEquals(v, v); // views are records of images
    }

    @Test
    void evalTransformFromConfigAndIdentityAtSize() throws Exception {
        org.vitssl.augment.transform.EvalTransform e = org.vitssl.augment.transform.EvalTransform.fromConfig(
                Settings.config("augment.eval.resize=40", "augment.eval.crop=32"));
        Rgb8 sq = FaithfulnessTest.input("square");
        assertEquals(32, sq.width);
        assertArrayEquals(sq.data, e.apply(sq).data); // already 32x32: used as is
        Rgb8 c = e.apply(photo);
        assertEquals(32, c.width);
        assertEquals(32, c.height);
        float[] t = e.toTensor(TestImages.jpeg(photo));
        assertEquals(3 * 32 * 32, t.length);
        // A too small image is padded with zeros (torchvision's CenterCrop), not rejected.
        org.vitssl.augment.transform.EvalTransform big = new org.vitssl.augment.transform.EvalTransform(
                8, 12, false, new double[] {0, 0, 0}, new double[] {1, 1, 1});
        Rgb8 padded = big.apply(photo);
        assertEquals(12, padded.width);
        assertEquals(0, padded.data[0]);
        // Serializable for Spark closures.
        new java.io.ObjectOutputStream(new java.io.ByteArrayOutputStream()).writeObject(new MultiCropTransform(Settings.small()));
        assertThrows(ConfigException.class, () -> org.vitssl.augment.transform.EvalTransform.fromConfig(
                Settings.config("augment.eval.crop=0")));
    }

    @Test
    void impossibleCropsAreRejectedNamingTheKey() {
        String[][] bad = {
                {"augment.global.scale=[0.0, 1.0]", "vitssl.augment.global.scale"},
                {"augment.local.scale=[0.05, 1.5]", "vitssl.augment.local.scale"},
                {"augment.global.scale=[0.8, 0.4]", "vitssl.augment.global.scale"},
                {"augment.local.size=0", "vitssl.augment.local.size"},
                {"augment.global.count=0", "vitssl.augment.global.count"},
                {"augment.ratio=[1.5, 0.5]", "vitssl.augment.ratio"},
                {"augment.blur.local-p=1.5", "vitssl.augment.blur.local-p"},
                {"augment.jitter.hue=0.7", "vitssl.augment.jitter.hue"},
                {"augment.pipeline=simclr", "vitssl.augment.pipeline"},
        };
        for (String[] b : bad) {
            ConfigException e = assertThrows(ConfigException.class, () -> Settings.small(b[0]), b[0]);
            assertTrue(e.getMessage().contains(b[1]), e.getMessage());
        }
    }
}
