package org.vitssl.pretrain.attention;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.typesafe.config.Config;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;
import org.vitssl.augment.transform.CorruptImageException;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.job.JobContext;
import org.vitssl.pretrain.mask.AttMaskGenerator;
import org.vitssl.pretrain.model.SafetensorsIO;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.VisionTransformer;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionJobTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        nu.pattern.OpenCV.loadLocally();
        spark = SparkSession.builder().master("local[2]").appName("attention-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static byte[] image(int w, int h, String ext, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[w * h * 3];
        r.nextBytes(px);
        Mat m = new Mat(h, w, CvType.CV_8UC3);
        m.put(0, 0, px);
        MatOfByte out = new MatOfByte();
        Imgcodecs.imencode(ext, m, out);
        return out.toArray();
    }

    @Test
    void writesAttentionRolloutMasksAndOverlays(@TempDir Path dir) throws Exception {
        ViTConfig vc = ViTConfig.of(16, 2, 2, 4, 16);
        Path ckpt = dir.resolve("teacher.safetensors");
        byte[] atSize = image(16, 16, ".png", 1);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            VisionTransformer v = VisionTransformer.create(vc, m);
            Map<String, NDArray> sd = new LinkedHashMap<>(SafetensorsIO.stateDict(v, "teacher.backbone."));
            sd.put("teacher.head.last_layer.weight_v", m.ones(new Shape(4, 4)));
            sd.putAll(SafetensorsIO.stateDict(VisionTransformer.create(vc, m), "student.backbone."));
            SafetensorsIO.write(ckpt, sd, Map.of("step", "1"));
        }
        StructType schema = new StructType().add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType)
                .add("class_name", DataTypes.StringType).add("width", DataTypes.IntegerType).add("height", DataTypes.IntegerType)
                .add("format", DataTypes.StringType).add("bytes", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create("a/at size.png", 3, "x", 16, 16, "png", atSize));
        rows.add(RowFactory.create("b/wide.jpg", 1, "y", 28, 20, "jpeg", image(28, 20, ".jpg", 2)));
        rows.add(RowFactory.create("c/broken.jpg", 0, "y", 5, 5, "jpeg", new byte[] {1, 2, 3, 4}));
        String images = dir.resolve("images").toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(images);

        String out = dir.resolve("att").toString();
        List<String> over = List.of("model.arch=custom", "model.embed-dim=16", "model.depth=2", "model.num-heads=2",
                "model.patch-size=4", "model.img-size=16", "attention.checkpoint=\"" + ckpt + "\"",
                "attention.images=\"" + images + "\"", "attention.output=\"" + out + "\"", "attention.mask-ratio=0.3",
                "attention.batch-size=2", "spark.master=\"local[2]\"");
        Config c = VitsslConfig.load(null, over);
        AttentionJob job = new AttentionJob();
        job.validate(c);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(0, job.run(new JobContext(c, List.of(), new PrintStream(log, true))));
        assertTrue(log.toString().contains("prefix 'teacher.backbone.'"), log.toString());
        assertTrue(log.toString().contains("1 skipped"), log.toString());

        List<Row> res = spark.read().parquet(out).orderBy("image_id").collectAsList();
        assertEquals(2, res.size());
        int n = 16, nMask = (int) Math.floor(16 * 0.3);
        for (Row r : res) {
            List<Float> att = r.getList(r.fieldIndex("attention"));
            List<scala.collection.Seq<Float>> heads = r.getList(r.fieldIndex("attention_heads"));
            List<Float> roll = r.getList(r.fieldIndex("rollout"));
            List<Boolean> hi = r.getList(r.fieldIndex("mask_high")), lo = r.getList(r.fieldIndex("mask_low"));
            assertEquals(n, att.size());
            assertEquals(2, heads.size());
            assertEquals(n, roll.size());
            assertEquals(4, r.getInt(r.fieldIndex("grid_h")));
            double sum = 0;
            for (int j = 0; j < n; j++) {
                assertEquals((heads.get(0).apply(j) + heads.get(1).apply(j)) / 2, att.get(j), 1e-6);
                sum += att.get(j);
            }
            assertTrue(sum > 0 && sum < 1, "CLS attention to patches sums below 1 (the rest goes to CLS): " + sum);
            assertEquals(nMask, hi.stream().filter(b -> b).count());
            assertEquals(nMask, lo.stream().filter(b -> b).count());
            float minHigh = Float.MAX_VALUE, maxRest = -1, maxLow = -1, minRest = Float.MAX_VALUE;
            for (int j = 0; j < n; j++) {
                assertFalse(hi.get(j) && lo.get(j));
                if (hi.get(j)) minHigh = Math.min(minHigh, att.get(j)); else maxRest = Math.max(maxRest, att.get(j));
                if (lo.get(j)) maxLow = Math.max(maxLow, att.get(j)); else minRest = Math.min(minRest, att.get(j));
            }
            assertTrue(minHigh >= maxRest && maxLow <= minRest, "masks are the extremes of the attention");
        }
        // The at-size image went through untouched: compare with a direct forward of the same pixels.
        Row first = res.get(0);
        assertEquals("a/at size.png", first.getString(0));
        assertEquals(3, first.getInt(1));
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer v = VisionTransformer.create(vc, m);
            SafetensorsIO.load(v, SafetensorsIO.read(ckpt, m), "teacher.backbone.", true);
            Mat bgr = Imgcodecs.imdecode(new MatOfByte(atSize), Imgcodecs.IMREAD_COLOR);
            byte[] px = new byte[16 * 16 * 3];
            bgr.get(0, 0, px);
            float[] chw = new float[3 * 256];
            float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
            for (int i = 0; i < 256; i++) {
                for (int ch = 0; ch < 3; ch++) chw[ch * 256 + i] = ((px[3 * i + (2 - ch)] & 0xff) / 255f - mean[ch]) / std[ch];
            }
            NDArray a = v.forward(null, m.create(chw, new Shape(1, 3, 16, 16)), null, false, new int[] {-1}, 0)
                    .lastClsAttention().mean(new int[] {1});
            float[] expect = a.toFloatArray();
            List<Float> got = first.getList(first.fieldIndex("attention"));
            for (int j = 0; j < n; j++) assertEquals(expect[j], got.get(j), 1e-5);
        }
        File[] pngs = new File(out, AttentionJob.OVERLAY_DIR).listFiles((d, name) -> name.endsWith(".png"));
        assertEquals(2, pngs.length);
        Mat ov = Imgcodecs.imread(new File(new File(out, AttentionJob.OVERLAY_DIR), "a_2fat_20size.png.png").getPath());
        assertEquals(16, ov.rows());
        assertEquals(16, ov.cols());
        assertTrue(Files.exists(Path.of(out, "_vitssl.conf")));

        assertThrows(AtomicOutput.OutputExistsException.class, () -> job.run(new JobContext(c, List.of(), new PrintStream(log))));
    }

    @Test
    void shapeMismatchIsReportedBeforeAnyOutput(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("b.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafetensorsIO.write(ckpt, SafetensorsIO.stateDict(VisionTransformer.create(ViTConfig.of(16, 2, 2, 4, 16), m), ""), null);
        }
        String out = dir.resolve("att").toString();
        Config c = VitsslConfig.load(null, List.of("model.arch=custom", "model.embed-dim=24", "model.depth=2", "model.num-heads=2",
                "model.patch-size=4", "model.img-size=16", "attention.checkpoint=\"" + ckpt + "\"",
                "attention.images=\"" + dir.resolve("none") + "\"", "attention.output=\"" + out + "\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionJob().run(new JobContext(c, List.of(), new PrintStream(new ByteArrayOutputStream()))));
        assertTrue(e.getMessage().contains("'cls_token'") || e.getMessage().contains("'pos_embed'"), e.getMessage());
        assertFalse(new File(out).exists());
    }

    /** The AttMask generator the job uses: the n highest / lowest mean scores, ties to the lower index. */
    private static boolean[] extremes(float[] s, double ratio, boolean high) {
        return AttentionExtractor.masks(high ? AttMaskGenerator.Mode.HIGH : AttMaskGenerator.Mode.LOW, ratio)
                .generate(new float[][] {s}, 0, new SplittableRandom(1))[0];
    }

    @Test
    void extremesBreakTiesByLowerIndex() {
        float[] s = {0.5f, 0.9f, 0.5f, 0.1f, 0.9f, 0.1f};
        // ratios 0.4, 0.5, 0 of 6 patches: 2, 3 and 0 masked
        assertArrayEquals(new boolean[] {false, true, false, false, true, false}, extremes(s, 0.4, true));
        assertArrayEquals(new boolean[] {true, true, false, false, true, false}, extremes(s, 0.5, true));
        assertArrayEquals(new boolean[] {false, false, false, true, false, true}, extremes(s, 0.4, false));
        assertArrayEquals(new boolean[] {true, false, false, true, false, true}, extremes(s, 0.5, false));
        assertArrayEquals(new boolean[6], extremes(s, 0, true));
    }

    @Test
    void evalTransformResizesShorterSideAndCropsCentre() {
        // The job's transform: augment's EvalTransform with the identity shortcut at the crop size.
        EvalTransform t = new EvalTransform(20, 16, true, new double[] {0, 0, 0}, new double[] {1, 1, 1});
        // A 40x20 (w x h) image whose columns encode x: after resize to 40x20 -> identity scale, crop x in [12, 28).
        Mat m = new Mat(20, 40, CvType.CV_8UC3);
        byte[] px = new byte[20 * 40 * 3];
        for (int y = 0; y < 20; y++) for (int x = 0; x < 40; x++) for (int ch = 0; ch < 3; ch++) px[(y * 40 + x) * 3 + ch] = (byte) (x * 5);
        m.put(0, 0, px);
        MatOfByte png = new MatOfByte();
        Imgcodecs.imencode(".png", m, png);
        Rgb8 r = t.apply(OpenCv.decode(png.toArray()));
        assertEquals(16 * 16 * 3, r.data.length);
        assertEquals(60, r.data[0] & 0xff, "first column of the crop is x = 12 (round((40 - 16) / 2))");
        assertEquals(60 / 255f, t.toTensor(png.toArray())[0], 1e-6);
        // Already at the crop size: pixels pass through unchanged.
        EvalTransform same = new EvalTransform(18, 16, true, new double[] {0, 0, 0}, new double[] {1, 1, 1});
        byte[] img = image(16, 16, ".png", 9);
        Mat dec = Imgcodecs.imdecode(new MatOfByte(img), Imgcodecs.IMREAD_COLOR);
        byte[] bgr = new byte[16 * 16 * 3];
        dec.get(0, 0, bgr);
        byte[] rgb = same.apply(OpenCv.decode(img)).data;
        for (int i = 0; i < 256; i++) assertEquals(bgr[3 * i], rgb[3 * i + 2]);
        assertThrows(CorruptImageException.class, () -> t.apply(OpenCv.decode(new byte[] {0, 1, 2})));
    }
}
