package org.vitssl.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentLoaderTest {
    static final MultiCropSettings S = Settings.small();

    static List<MultiCropBatch> all(List<ImageRecord> images, int epoch, int start, int workers, int depth) {
        List<MultiCropBatch> out = new ArrayList<>();
        try (AugmentLoader l = new AugmentLoader(images, S, 42, epoch, 4, start, workers, depth)) {
            while (l.hasNext()) out.add(l.next());
        }
        return out;
    }

    static void assertSame(MultiCropBatch a, MultiCropBatch b) {
        assertArrayEquals(a.imageIds(), b.imageIds());
        assertArrayEquals(a.labels(), b.labels());
        assertArrayEquals(a.globals(), b.globals());
        assertArrayEquals(a.locals(), b.locals());
    }

    @Test
    void batchesAreIndependentOfWorkersInputOrderAndResume() {
        List<ImageRecord> images = TestImages.records(18);
        List<MultiCropBatch> one = all(images, 1, 0, 1, 1);
        assertEquals(4, one.size()); // 18 / 4, drop-last
        List<ImageRecord> shuffled = new ArrayList<>(images);
        Collections.shuffle(shuffled, new Random(5));
        List<MultiCropBatch> three = all(shuffled, 1, 0, 3, 2);
        assertEquals(one.size(), three.size());
        for (int i = 0; i < one.size(); i++) assertSame(one.get(i), three.get(i));
        List<MultiCropBatch> resumed = all(images, 1, 2, 2, 4);
        assertEquals(2, resumed.size());
        assertSame(one.get(2), resumed.get(0));
        assertSame(one.get(3), resumed.get(1));
        // Workers and queue depth from config give the same batches.
        try (AugmentLoader l = AugmentLoader.fromConfig(images, Settings.config("augment.loader.workers=3"), 42, 1, 4, 0)) {
            for (MultiCropBatch want : one) assertSame(want, l.next());
            assertFalse(l.hasNext());
        }
        // Another epoch: another order.
        assertFalse(java.util.Arrays.equals(one.get(0).imageIds(), all(images, 2, 0, 1, 1).get(0).imageIds()));
    }

    @Test
    void batchLayoutIsCropMajorAndNormalised() {
        List<ImageRecord> images = TestImages.records(8);
        MultiCropBatch b = all(images, 0, 0, 2, 2).get(1);
        assertEquals(4, b.batchSize());
        assertEquals(2 * 4 * 3 * 32 * 32, b.globals().length);
        assertEquals(3 * 4 * 3 * 16 * 16, b.locals().length);
        MultiCropTransform t = new MultiCropTransform(S);
        for (int k = 0; k < 4; k++) {
            String id = b.imageIds()[k];
            ImageRecord rec = images.stream().filter(r -> r.imageId().equals(id)).findFirst().orElseThrow();
            assertEquals(rec.label(), b.labels()[k]);
            List<View> views = t.apply(OpenCv.decode(rec.bytes()), 42, 0, id);
            for (int v = 0; v < 5; v++) {
                float[] want = t.normalize().toChw(views.get(v).pixels());
                float[] src = v < 2 ? b.globals() : b.locals();
                int off = v < 2 ? b.globalOffset(v, k) : b.localOffset(v - 2, k);
                float[] got = java.util.Arrays.copyOfRange(src, off, off + want.length);
                assertArrayEquals(want, got, "image " + k + " view " + v);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray g = b.globalsArray(m);
            assertEquals(new Shape(8, 3, 32, 32), g.getShape());
            assertEquals(b.globals()[b.globalOffset(1, 2) + 5], g.get(1 * 4 + 2).toFloatArray()[5]);
            assertEquals(new Shape(12, 3, 16, 16), b.localsArray(m).getShape());
        }
        MultiCropBatch noLocals = new MultiCropBatch(1, 1, 0, 2, 2, new float[12], new float[0], new int[1], new String[] {"a"});
        try (NDManager m = NDManager.newBaseManager()) {
            assertNull(noLocals.localsArray(m));
        }
    }

    @Test
    void corruptImagesAreSkippedAndCounted() {
        List<ImageRecord> images = new ArrayList<>(TestImages.records(8));
        images.add(new ImageRecord("img-003x", 1, TestImages.corrupt()));
        images.add(new ImageRecord("img-005x", 2, new byte[0]));
        try (AugmentLoader l = new AugmentLoader(images, S, 42, 0, 5, 0, 2, 2)) {
            assertEquals(2, l.batchesPerEpoch());
            int seen = 0;
            while (l.hasNext()) {
                MultiCropBatch b = l.next();
                seen += b.batchSize();
                for (String id : b.imageIds()) assertFalse(id.endsWith("x"));
                assertEquals(b.batchSize() * 2 * 3 * 32 * 32, b.globals().length);
            }
            assertEquals(8, seen);
            assertEquals(2, l.skippedImages());
        }
        assertTrue(CorruptImages.logOnce("never-seen", new RuntimeException("x")));
        assertFalse(CorruptImages.logOnce("never-seen", new RuntimeException("x")));
        Rgb8 ok = OpenCv.decode(images.get(0).bytes());
        assertTrue(ok.width > 0);
    }
}
