package org.vitssl.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.pretrain.model.SafetensorsIO;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embed job against features computed independently by torchvision + a reference ViT forward
 * (embed/src/test/python/make_embed_fixture.py). Tolerance: 1e-4 absolute on features of magnitude ~1
 * (float32 through different kernels).
 */
class EmbedJobTest {
    static final Path FIX = Path.of("src/test/resources/fixtures/embed");
    static SparkSession spark;
    static Config expected;
    @TempDir static Path dir;
    static Path images;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("embed-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        expected = ConfigFactory.parseFile(FIX.resolve("expected.json").toFile());
        images = writeImages(dir.resolve("images"), null);
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    /** An ingest-schema table of the fixture PNGs; {@code corrupt} adds one undecodable row. */
    static Path writeImages(Path out, String corrupt) throws Exception {
        StructType schema = new StructType()
                .add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType)
                .add("class_name", DataTypes.StringType).add("width", DataTypes.IntegerType)
                .add("height", DataTypes.IntegerType).add("format", DataTypes.StringType)
                .add("bytes", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] b = Files.readAllBytes(FIX.resolve("img" + i + ".png"));
            rows.add(RowFactory.create("img" + i + ".png", i % 2, "c" + (i % 2), 0, 0, "png", b));
        }
        if (corrupt != null) rows.add(RowFactory.create(corrupt, 0, "c0", 0, 0, "jpeg", new byte[] {1, 2, 3}));
        spark.createDataFrame(rows, schema).repartition(1).write().parquet(out.toString());
        return out;
    }

    static EmbedSettings settings(String... overrides) {
        List<String> o = new ArrayList<>(List.of(
                "embed.checkpoint=" + FIX.resolve("teacher_student.safetensors").toAbsolutePath(),
                "embed.images=" + images, "augment.eval.resize=16", "augment.eval.crop=16", "embed.batch-size=3"));
        o.addAll(List.of(overrides));
        return EmbedSettings.fromConfig(VitsslConfig.load(null, o));
    }

    static Map<String, float[]> read(String output) {
        Map<String, float[]> m = new HashMap<>();
        for (Row r : spark.read().parquet(output).collectAsList()) {
            List<Float> l = r.getList(r.fieldIndex("features"));
            float[] f = new float[l.size()];
            for (int i = 0; i < f.length; i++) f[i] = l.get(i);
            m.put(r.getString(0), f);
        }
        return m;
    }

    static void assertMatches(String feature, Map<String, float[]> got) {
        assertEquals(4, got.size());
        for (int i = 0; i < 4; i++) {
            String name = "img" + i + ".png";
            List<Double> want = expected.getDoubleList("\"" + name + "\"." + feature);
            float[] f = got.get(name);
            assertEquals(want.size(), f.length, feature + " length");
            for (int j = 0; j < f.length; j++) {
                assertEquals(want.get(j), f[j], 1e-4, feature + " " + name + "[" + j + "]");
            }
        }
    }

    @Test
    void everyFeatureKindMatchesTheReference() throws Exception {
        Config c = VitsslConfig.load(null, List.of());
        for (String feature : new String[] {"cls", "mean-patch", "cls-mean", "last-blocks-cls"}) {
            String out = dir.resolve("out-" + feature).toString();
            EmbedSettings s = settings("embed.output=" + out, "embed.feature=" + feature, "embed.n-last-blocks=2");
            EmbedJob.Result r = EmbedJob.embed(spark, s, c);
            assertEquals(4, r.rows());
            assertMatches(feature, read(out));
        }
    }

    @Test
    void partitionsDoNotChangeTheResult() throws Exception {
        Config c = VitsslConfig.load(null, List.of());
        String a = dir.resolve("p1").toString(), b = dir.resolve("p3").toString();
        EmbedJob.embed(spark, settings("embed.output=" + a, "embed.partitions=1"), c);
        EmbedJob.embed(spark, settings("embed.output=" + b, "embed.partitions=3"), c);
        Map<String, float[]> x = read(a), y = read(b);
        for (String k : x.keySet()) assertArrayEquals(x.get(k), y.get(k), k);
        assertMatches("cls", y);
    }

    @Test
    void aRerunIsSkippedAndOtherWorkIsRefusedWithoutOverwrite() throws Exception {
        Config c = VitsslConfig.load(null, List.of());
        String out = dir.resolve("rerun").toString();
        assertTrue(!EmbedJob.embed(spark, settings("embed.output=" + out), c).skipped());
        assertTrue(EmbedJob.embed(spark, settings("embed.output=" + out), c).skipped());
        assertThrows(AtomicOutput.OutputExistsException.class,
                () -> EmbedJob.embed(spark, settings("embed.output=" + out, "embed.backbone=student"), c));
        EmbedJob.Result r = EmbedJob.embed(spark, settings("embed.output=" + out, "embed.backbone=student", "embed.overwrite=true"), c);
        assertTrue(!r.skipped());
        // The student weights are the teacher's halved: different features, and the table says which.
        float[] student = read(out).get("img0.png");
        List<Double> teacher = expected.getDoubleList("\"img0.png\".cls");
        assertTrue(Math.abs(student[0] - teacher.get(0)) > 1e-3);
        assertEquals(r.checkpointId(), spark.read().parquet(out).first().getString(3));
    }

    @Test
    void aTrainingCheckpointDirectoryIsReadWithItsConfig() throws Exception {
        Path ckpt = dir.resolve("run/checkpoints/step-10");
        Files.createDirectories(ckpt);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = SafetensorsIO.read(FIX.resolve("backbone.safetensors"), m);
            Map<String, NDArray> teacher = new LinkedHashMap<>();
            t.forEach((k, v) -> teacher.put("backbone." + k, v));
            // No metadata: the head count must come from config.conf.
            SafetensorsIO.write(ckpt.resolve("teacher.safetensors"), teacher, Map.of());
        }
        Files.writeString(ckpt.resolve("config.conf"), "vitssl.model { arch = custom, embed-dim = 32, depth = 2, num-heads = 2 }");
        String out = dir.resolve("fromdir").toString();
        EmbedJob.embed(spark, settings("embed.output=" + out, "embed.checkpoint=" + ckpt), VitsslConfig.load(null, List.of()));
        assertMatches("cls", read(out));
    }

    @Test
    void aTeacherLessCheckpointIsEmbeddedWithItsStudent() throws Exception {
        Path ckpt = dir.resolve("barlow/checkpoints/step-4");
        Files.createDirectories(ckpt);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = SafetensorsIO.read(FIX.resolve("backbone.safetensors"), m);
            Map<String, NDArray> student = new LinkedHashMap<>();
            t.forEach((k, v) -> student.put("backbone." + k, v));
            SafetensorsIO.write(ckpt.resolve("student.safetensors"), student, Map.of("heads", "2"));
            SafetensorsIO.write(ckpt.resolve("teacher.safetensors"), Map.of(), Map.of());
        }
        String out = dir.resolve("teacherless").toString();
        EmbedJob.embed(spark, settings("embed.output=" + out, "embed.checkpoint=" + ckpt), VitsslConfig.load(null, List.of()));
        assertMatches("cls", read(out));
    }

    @Test
    void anUndecodableImageFailsNamingItAndWritesNothing() throws Exception {
        Path bad = writeImages(dir.resolve("bad-images"), "broken.jpg");
        String out = dir.resolve("bad-out").toString();
        Exception e = assertThrows(Exception.class, () -> EmbedJob.embed(spark,
                settings("embed.output=" + out, "embed.images=" + bad), VitsslConfig.load(null, List.of())));
        String all = e.toString();
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) all += " " + t;
        assertTrue(all.contains("broken.jpg"), all);
        assertTrue(!Files.exists(Path.of(out)));
    }

    @Test
    void rawPixelsOfColourImagesAreInterleavedRgbOver255() throws Exception {
        // PNGs written by javax.imageio with known values; the expected features follow from those values.
        StructType schema = new StructType()
                .add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType).add("bytes", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        int w = 5, h = 4;
        for (int i = 0; i < 3; i++) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int p = 0; p < w * h; p++) img.setRGB(p % w, p / w, (p * 11 + i) << 16 | (p * 7) << 8 | (250 - p));
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", png);
            rows.add(RowFactory.create("c" + i, i, png.toByteArray()));
        }
        Path table = dir.resolve("colour");
        spark.createDataFrame(rows, schema).repartition(2).write().parquet(table.toString());
        String out = dir.resolve("out-raw").toString();
        EmbedJob.Result r = EmbedJob.embed(spark, settings("embed.output=" + out, "embed.checkpoint=raw-pixels",
                "embed.images=" + table), VitsslConfig.load(null, List.of()));
        assertEquals(3, r.rows());
        assertEquals(3 * w * h, r.dim());
        assertEquals(RawPixels.CHECKPOINT, r.checkpointId());
        Map<String, float[]> got = read(out);
        for (int i = 0; i < 3; i++) {
            float[] f = got.get("c" + i);
            assertEquals(3 * w * h, f.length);
            for (int p = 0; p < w * h; p++) {
                assertEquals((p * 11 + i) / 255f, f[3 * p], 0f, "c" + i + " pixel " + p + " R");
                assertEquals((p * 7) / 255f, f[3 * p + 1], 0f, "c" + i + " pixel " + p + " G");
                assertEquals((250 - p) / 255f, f[3 * p + 2], 0f, "c" + i + " pixel " + p + " B");
            }
        }
    }

    @Test
    void rawPixelsOfGreyImagesAreOneValuePerPixelAndMixedSizesAreRefused() throws Exception {
        StructType schema = new StructType()
                .add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType).add("bytes", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        int[][] sizes = {{3, 2}, {3, 2}, {2, 2}};
        for (int i = 0; i < sizes.length; i++) {
            java.awt.image.BufferedImage g = new java.awt.image.BufferedImage(sizes[i][0], sizes[i][1],
                    java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < sizes[i][0] * sizes[i][1]; p++) {
                g.getRaster().setSample(p % sizes[i][0], p / sizes[i][0], 0, 40 * p + i);
            }
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(g, "png", png);
            rows.add(RowFactory.create("g" + i, i, png.toByteArray()));
        }
        Path same = dir.resolve("grey-same"), mixed = dir.resolve("grey-mixed");
        spark.createDataFrame(rows.subList(0, 2), schema).repartition(1).write().parquet(same.toString());
        spark.createDataFrame(rows, schema).repartition(1).write().parquet(mixed.toString());
        Config c = VitsslConfig.load(null, List.of());
        String out = dir.resolve("out-grey").toString();
        EmbedJob.embed(spark, settings("embed.output=" + out, "embed.checkpoint=raw-pixels", "embed.images=" + same), c);
        // 3x2 grey: row-major values (40 p + i) / 255
        assertArrayEquals(new float[] {1 / 255f, 41 / 255f, 81 / 255f, 121 / 255f, 161 / 255f, 201 / 255f},
                read(out).get("g1"), 0f);
        String bad = dir.resolve("out-grey-mixed").toString();
        Exception e = assertThrows(Exception.class, () -> EmbedJob.embed(spark,
                settings("embed.output=" + bad, "embed.checkpoint=raw-pixels", "embed.images=" + mixed), c));
        String msg = String.valueOf(e.getMessage());
        Throwable t = e;
        while (t.getCause() != null) { t = t.getCause(); msg += " | " + t.getMessage(); }
        assertTrue(msg.contains("raw-pixels") && msg.contains("g2"), msg);
        assertTrue(!java.nio.file.Files.exists(Path.of(bad)), "nothing committed");
    }

    static String evalTransformOf(String output) {
        return ConfigFactory.parseFile(Path.of(output, EmbedJob.DESCRIPTION).toFile()).getString("eval_transform");
    }

    @Test
    void aCheckpointTrainedAtAnotherSizeIsEvaluatedAtItsOwnSize() throws Exception {
        Config c = VitsslConfig.load(null, List.of());
        // DINO's 256/224 on the fixture's 16-pixel model: crop 16 and resize round(16 * 256 / 224) = round(18.29) = 18.
        String matched = dir.resolve("matched").toString(), explicit = dir.resolve("explicit").toString();
        EmbedJob.embed(spark, settings("embed.output=" + matched, "augment.eval.resize=256", "augment.eval.crop=224"), c);
        EmbedJob.embed(spark, settings("embed.output=" + explicit, "augment.eval.resize=18", "augment.eval.crop=16"), c);
        assertEquals("18/16/identity-at-size", evalTransformOf(matched));
        Map<String, float[]> a = read(matched), b = read(explicit);
        assertEquals(4, a.size());
        for (String k : b.keySet()) assertArrayEquals(b.get(k), a.get(k), k);
        // img0 and img1 are 16 x 16, used as they are: the torchvision features of the fixture hold for them.
        for (String name : new String[] {"img0.png", "img1.png"}) {
            List<Double> want = expected.getDoubleList("\"" + name + "\".cls");
            for (int j = 0; j < want.size(); j++) assertEquals(want.get(j), a.get(name)[j], 1e-4, name + "[" + j + "]");
        }
        // match-checkpoint = false keeps the configured transform.
        String kept = dir.resolve("kept").toString();
        EmbedJob.embed(spark, settings("embed.output=" + kept, "augment.eval.resize=24", "augment.eval.crop=20",
                "augment.eval.match-checkpoint=false"), c);
        assertEquals("24/20/identity-at-size", evalTransformOf(kept));
    }

    @Test
    void badSettingsNameTheKey() {
        Exception e = assertThrows(Exception.class, () -> settings("embed.output=x", "embed.feature=pooled"));
        assertTrue(e.getMessage().contains("vitssl.embed.feature"), e.getMessage());
        e = assertThrows(Exception.class, () -> settings("embed.output=x", "embed.batch-size=0"));
        assertTrue(e.getMessage().contains("vitssl.embed.batch-size"), e.getMessage());
    }
}
