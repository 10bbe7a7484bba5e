package org.vitssl.tests.evaluation;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.jobs.Main;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * evaluate-checkpoints end to end on a tiny ViT: two good checkpoints and a corrupt one, then a new
 * checkpoint added and only it evaluated. The images are two colour classes, so any ViT separates them
 * (k-NN and probe must reach 100%), which makes the numbers checkable without training.
 */
class EvaluateCheckpointsTest {
    static final Path REPO = Path.of(System.getProperty("vitssl.repo.root", ".."));
    static final Path BACKBONE = REPO.resolve("embed/src/test/resources/fixtures/embed/backbone.safetensors");
    @TempDir static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("evaluate-checkpoints-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        writeImages(dir.resolve("images/train"), 16, 1);
        writeImages(dir.resolve("images/test"), 6, 2);
        addCheckpoint("step-10", 1);
        addCheckpoint("step-20", 2);
        Path bad = dir.resolve("ckpts/checkpoints/step-15");
        Files.createDirectories(bad);
        Files.write(bad.resolve("teacher.safetensors"), "not a safetensors file".getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    /** A training-checkpoint-like directory: the fixture backbone under backbone., config.conf, state.json. */
    static void addCheckpoint(String name, int epoch) throws Exception {
        Path d = dir.resolve("ckpts/checkpoints/" + name);
        Files.createDirectories(d);
        Files.copy(BACKBONE, d.resolve("teacher_backbone.safetensors"));
        Files.writeString(d.resolve("state.json"), "{\"step\": " + name.substring(5) + ", \"epoch\": " + epoch + "}");
    }

    /** Class 0: reddish noise; class 1: bluish noise; 16x16 PNG, ingest schema. */
    static void writeImages(Path out, int perClass, long seed) throws Exception {
        Random rnd = new Random(seed);
        StructType schema = new StructType().add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType)
                .add("class_name", DataTypes.StringType).add("width", DataTypes.IntegerType).add("height", DataTypes.IntegerType)
                .add("format", DataTypes.StringType).add("bytes", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        int hi = 170 + rnd.nextInt(80), lo = rnd.nextInt(80);
                        img.setRGB(x, y, c == 0 ? (hi << 16) | (lo << 8) | lo : (lo << 16) | (lo << 8) | hi);
                    }
                }
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                ImageIO.write(img, "png", b);
                rows.add(RowFactory.create("c" + c + "/" + i + ".png", c, "c" + c, 16, 16, "png", b.toByteArray()));
            }
        }
        spark.createDataFrame(rows, schema).write().parquet(out.toString());
    }

    static String run() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int rc = Main.run(new String[] {"evaluate-checkpoints",
                "--checkpoints", dir.resolve("ckpts").toString(),
                "--train-images", dir.resolve("images/train").toString(),
                "--test-images", dir.resolve("images/test").toString(),
                "--output", dir.resolve("eval").toString(),
                "embed.num-heads=2", "embed.batch-size=8", "augment.eval.resize=16", "augment.eval.crop=16",
                "knn.ks=[1,3]", "evaluate.plot-k=3", "probe.reg-params=[0.0,0.1]", "probe.max-iter=50",
                "probe.holdout-fraction=0.25", "evaluate.keep-embeddings=true", "evaluate.baselines=[raw-pixels]",
                "spark.master=\"local[2]\""}, ps, ps);
        String s = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, s);
        return s;
    }

    static List<Row> table() {
        return spark.read().parquet(dir.resolve("eval/table").toString()).collectAsList();
    }

    @Test
    void evaluatesEachNewCheckpointOnceAndRecordsFailures() throws Exception {
        String first = run();
        List<Row> rows = table();
        List<String> failed = rows.stream().filter(r -> r.getAs("status").equals("failed"))
                .map(r -> (String) r.getAs("checkpoint")).collect(Collectors.toList());
        assertEquals(List.of("step-15"), failed, first);
        Row f = rows.stream().filter(r -> r.getAs("status").equals("failed")).findFirst().orElseThrow();
        assertTrue(((String) f.getAs("error")).contains("teacher.safetensors"), f.toString());
        for (String ck : List.of("raw-pixels", "step-10", "step-20")) {
            List<Row> ok = rows.stream().filter(r -> r.getAs("checkpoint").equals(ck)).collect(Collectors.toList());
            // knn top1/top5 for k = 1 and 3, probe top1/top5
            assertEquals(6, ok.size(), ok.toString());
            for (Row r : ok) {
                if (r.getAs("metric").equals("knn_top1") || r.getAs("metric").equals("probe_top1")) {
                    assertEquals(100.0, (double) r.getAs("value"), 1e-9, r.toString());
                }
            }
            if (ck.equals("raw-pixels")) {
                assertTrue(ok.get(0).isNullAt(ok.get(0).fieldIndex("epoch")), ok.toString());
            } else {
                assertEquals(ck.equals("step-10") ? 1 : 2, (int) ok.get(0).getAs("epoch"));
            }
        }
        assertTrue(Files.size(dir.resolve("eval/metrics.png")) > 1000);
        assertTrue(Files.readString(dir.resolve("eval/table.csv")).contains("step-20"));
        String firstEvaluatedAt = rows.stream().filter(r -> r.getAs("checkpoint").equals("step-10"))
                .findFirst().orElseThrow().getAs("evaluated_at");

        addCheckpoint("step-30", 3);
        String second = run();
        assertTrue(second.contains("4 checkpoints") && second.contains("plus baselines [raw-pixels], 4 already evaluated"), second);
        List<Row> after = table();
        assertEquals(rows.size() + 6, after.size());
        assertEquals(firstEvaluatedAt, after.stream().filter(r -> r.getAs("checkpoint").equals("step-10"))
                .findFirst().orElseThrow().getAs("evaluated_at"));
        assertTrue(!second.contains("evaluate-checkpoints: step-10 ("), second);
        assertTrue(!second.contains("evaluate-checkpoints: raw-pixels ("), second);

        notebooksRunOnTheseOutputs();
    }

    /** The Java notebooks, headless, on this test's outputs; a failing cell fails the test. */
    void notebooksRunOnTheseOutputs() throws Exception {
        Path runs = dir.resolve("eval/runs/step-20");
        System.setProperty("vitssl.nb.eval", dir.resolve("eval").toString());
        System.setProperty("vitssl.nb.checkpoint", dir.resolve("ckpts/checkpoints/step-20").toString());
        System.setProperty("vitssl.nb.images", dir.resolve("images/test").toString());
        System.setProperty("vitssl.nb.test-images", dir.resolve("images/test").toString());
        System.setProperty("vitssl.nb.train-images", dir.resolve("images/train").toString());
        System.setProperty("vitssl.nb.test-embeddings", runs.resolve("embeddings/test").toString());
        System.setProperty("vitssl.nb.train-embeddings", runs.resolve("embeddings/train").toString());
        System.setProperty("vitssl.nb.args", "embed.num-heads=2 augment.eval.resize=16 augment.eval.crop=16 visualize.cell=32");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        Path html = dir.resolve("notebooks");
        int rc = Main.run(new String[] {"notebook", REPO.resolve("notebooks-java/evaluation.jsh").toString(),
                REPO.resolve("notebooks-java/attention.jsh").toString(), REPO.resolve("notebooks-java/neighbours.jsh").toString(),
                "notebook.output-dir=" + html}, ps, ps);
        String log = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, log);
        String eval = Files.readString(html.resolve("evaluation.html"));
        assertTrue(eval.contains("step-30") && eval.contains("knn@3") && eval.contains("data:image/png;base64,"), eval);
        for (String nb : List.of("attention.html", "neighbours.html")) {
            assertTrue(Files.readString(html.resolve(nb)).contains("data:image/png;base64,"), nb);
        }
    }
}
