package org.vitssl.tests.evaluate;

import org.apache.spark.sql.Dataset;
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

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The knn and probe jobs run as users run them (Main.run with command-line arguments) on Parquet tables. */
class EvaluateJobsE2ETest {
    static SparkSession spark;
    static final StructType EMB = new StructType()
            .add("image_id", DataTypes.StringType)
            .add("label", DataTypes.IntegerType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType));

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Three classes; class c has feature c shifted by {@code shift} (large shift = separable). */
    static String write(Path dir, String name, int n, long seed, double shift) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            List<Float> f = new ArrayList<>();
            for (int j = 0; j < 5; j++) f.add((float) (r.nextGaussian() + (j == c ? shift : 0)));
            rows.add(RowFactory.create(name + "-" + i, c, f));
        }
        String p = dir.resolve(name).toString();
        spark.createDataFrame(rows, EMB).repartition(3).write().parquet(p);
        return p;
    }

    record Run(int rc, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        List<String> a = new ArrayList<>(List.of(args));
        a.add("spark.master=local[2]");
        int rc = Main.run(a.toArray(new String[0]), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void knnJobWritesResultsPredictionsAndLowShot(@TempDir Path dir) throws Exception {
        String train = write(dir, "train", 150, 1, 1.5), test = write(dir, "val", 60, 2, 1.5);
        String out = dir.resolve("knn").toString();
        Run r = run("knn", "--train", train, "--test", test, "--output", out, "--ks", "[1,5,20]", "--predictions",
                "--checkpoint", "ckpt-a", "--low-shot.enabled", "true", "--low-shot.per-class", "[1,4]",
                "--low-shot.subsets", "2", "--bank-partitions", "3", "--shard-rows", "40", "--query-block-rows", "16");
        assertEquals(0, r.rc, r.err);
        assertTrue(r.out.contains("top1 %"), r.out);
        List<Row> res = spark.read().parquet(out + "/results").orderBy("k").collectAsList();
        assertEquals(List.of("checkpoint", "k", "temperature", "top1", "top5", "n_train", "n_test"),
                List.of(spark.read().parquet(out + "/results").columns()));
        assertEquals(3, res.size());
        Dataset<Row> preds = spark.read().parquet(out + "/predictions");
        for (Row row : res) {
            assertEquals("ckpt-a", row.getString(0));
            assertEquals(0.07, row.getDouble(2), 0);
            assertEquals(150L, row.getLong(5));
            assertEquals(60L, row.getLong(6));
            int k = row.getInt(1);
            long right = preds.where(col("k").equalTo(k).and(col("prediction").equalTo(col("label")))).count();
            assertEquals(100.0 * right / 60, row.getDouble(3), 1e-9, "top-1 vs predictions at k=" + k);
            assertTrue(row.getDouble(4) >= row.getDouble(3));
        }
        assertEquals(180, preds.count());
        List<Row> low = spark.read().parquet(out + "/low_shot").orderBy("per_class", "subset").collectAsList();
        assertEquals(4, low.size());
        assertEquals(1, low.get(0).getInt(2)); // k = 1 for one image per class
        assertEquals(3L, low.get(0).getLong(7)); // 3 classes x 1 image
        assertEquals(20, low.get(2).getInt(2));
        assertEquals(12L, low.get(2).getLong(7)); // 3 classes x 4 images
        assertEquals(2, spark.read().parquet(out + "/low_shot_summary").count());
        assertTrue(new File(out, "results.txt").isFile());
        assertTrue(Files.readString(Path.of(out, "_vitssl.conf")).contains("ks"));

        // a second run does not overwrite silently
        Run again = run("knn", "--train", train, "--test", test, "--output", out);
        assertEquals(1, again.rc);
        assertTrue(again.err.contains("already exists"), again.err);
    }

    @Test
    void knnJobEvaluatesEveryCheckpointOfATable(@TempDir Path dir) {
        String t1 = write(dir, "train", 60, 1, 3), v1 = write(dir, "val", 30, 2, 3);
        String train = dir.resolve("train-multi").toString(), test = dir.resolve("val-multi").toString();
        Dataset<Row> a = spark.read().parquet(t1);
        a.withColumn("checkpoint", lit("step-1")).union(a.withColumn("checkpoint", lit("step-2"))).write().parquet(train);
        Dataset<Row> b = spark.read().parquet(v1);
        b.withColumn("checkpoint", lit("step-1")).union(b.withColumn("checkpoint", lit("step-2"))).write().parquet(test);
        String out = dir.resolve("knn").toString();
        Run r = run("knn", "--train", train, "--test", test, "--output", out, "--ks", "[10]");
        assertEquals(0, r.rc, r.err);
        List<Row> res = spark.read().parquet(out + "/results").orderBy("checkpoint").collectAsList();
        assertEquals(2, res.size());
        assertEquals("step-1", res.get(0).getString(0));
        assertEquals("step-2", res.get(1).getString(0));
        assertEquals(60L, res.get(0).getLong(5));
        assertEquals(res.get(0).getDouble(3), res.get(1).getDouble(3), 0);
    }

    @Test
    void badInputIsReportedAndNothingIsWritten(@TempDir Path dir) {
        String train = write(dir, "train", 30, 1, 3);
        String test = dir.resolve("val").toString();
        spark.read().parquet(train).drop("features").write().parquet(test);
        String out = dir.resolve("knn").toString();
        Run r = run("knn", "--train", train, "--test", test, "--output", out);
        assertEquals(1, r.rc);
        assertTrue(r.err.contains("missing column 'features'") && r.err.contains(test), r.err);
        assertFalse(new File(out).exists());
        Run bad = run("knn", "--train", train, "--test", train, "--output", out, "--temperature", "0");
        assertEquals(2, bad.rc);
        assertTrue(bad.err.contains("vitssl.knn.temperature"), bad.err);
    }

    @Test
    void probeJobOnASeparableCase(@TempDir Path dir) throws Exception {
        String train = write(dir, "train", 150, 1, 8), test = write(dir, "val", 60, 2, 8);
        String out = dir.resolve("probe").toString();
        Run r = run("probe", "--train", train, "--test", test, "--output", out, "--reg-params", "[1e-4, 1e-2]",
                "--holdout-fraction", "0.2");
        assertEquals(0, r.rc, r.err);
        String metric = "linear probe (L-BFGS logistic regression)";
        assertTrue(r.out.contains(metric), r.out);
        Row res = spark.read().parquet(out + "/results").first();
        assertEquals(metric, res.getAs("metric"));
        assertEquals(100.0, (double) res.getAs("top1"), 0);
        assertEquals(100.0, (double) res.getAs("top5"), 0);
        assertEquals(150L, (long) res.getAs("n_train"));
        List<Row> sweep = spark.read().parquet(out + "/sweep").collectAsList();
        assertEquals(2, sweep.size());
        assertEquals(1, sweep.stream().filter(x -> x.<Boolean>getAs("chosen")).count());
        assertTrue(Files.readString(Path.of(out, "results.txt")).contains(metric));
    }
}
