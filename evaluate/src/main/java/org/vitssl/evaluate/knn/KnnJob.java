package org.vitssl.evaluate.knn;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.common.io.ResolvedConfigFile;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;
import org.vitssl.common.spark.SparkSessions;
import org.vitssl.evaluate.data.EmbeddingsTable;
import org.vitssl.evaluate.util.TextTable;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code vitssl knn}: the DINO weighted k-NN between a train (bank) and a test embeddings table, exact
 * and distributed, plus optional per-image predictions and the AttMask low-shot protocol. See
 * evaluate/README.md and the {@code vitssl.knn} section of reference.conf.
 */
public final class KnnJob implements VitsslJob {
    public static final StructType RESULTS = new StructType()
            .add("checkpoint", DataTypes.StringType, false)
            .add("k", DataTypes.IntegerType, false)
            .add("temperature", DataTypes.DoubleType, false)
            .add("top1", DataTypes.DoubleType, false)
            .add("top5", DataTypes.DoubleType, false)
            .add("n_train", DataTypes.LongType, false)
            .add("n_test", DataTypes.LongType, false);
    public static final StructType PREDICTIONS = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("k", DataTypes.IntegerType, false)
            .add("prediction", DataTypes.IntegerType, false)
            .add("label", DataTypes.IntegerType, false);
    public static final StructType LOW_SHOT = new StructType()
            .add("checkpoint", DataTypes.StringType, false)
            .add("per_class", DataTypes.IntegerType, false)
            .add("k", DataTypes.IntegerType, false)
            .add("subset", DataTypes.IntegerType, false)
            .add("offset", DataTypes.LongType, false)
            .add("top1", DataTypes.DoubleType, false)
            .add("top5", DataTypes.DoubleType, false)
            .add("n_train", DataTypes.LongType, false)
            .add("n_test", DataTypes.LongType, false);
    public static final StructType LOW_SHOT_SUMMARY = new StructType()
            .add("checkpoint", DataTypes.StringType, false)
            .add("per_class", DataTypes.IntegerType, false)
            .add("k", DataTypes.IntegerType, false)
            .add("subsets", DataTypes.IntegerType, false)
            .add("top1_mean", DataTypes.DoubleType, false)
            .add("top1_std", DataTypes.DoubleType, false)
            .add("top5_mean", DataTypes.DoubleType, false)
            .add("top5_std", DataTypes.DoubleType, false);

    @Override public String name() { return "knn"; }

    @Override public String summary() {
        return "weighted k-NN (DINO) of test embeddings against a train bank: exact, distributed; low-shot";
    }

    @Override public String help() {
        return String.join("\n",
                "Reads two embeddings tables (Parquet: image_id string, label int, features array<float>):",
                "  vitssl.knn.train (the bank) and vitssl.knn.test (the queries).",
                "Features are L2-normalised; s = cosine similarity; the top max(ks) neighbours are found exactly",
                "(ties: similarity desc, then image_id asc); the vote of the first k of them weighs each neighbour",
                "exp(s / T) and adds the weights per class. Prints and writes top-1 and top-5 (percent) per k.",
                "Writes under vitssl.knn.output:",
                "  results/            checkpoint, k, temperature, top1, top5, n_train, n_test",
                "  results.txt         the printed table",
                "  predictions/        checkpoint, image_id, k, prediction, label   (predictions = true)",
                "  low_shot/           checkpoint, per_class, k, subset, offset, top1, top5, n_train, n_test",
                "  low_shot_summary/   mean and std over the subsets                (low-shot.enabled = true)",
                "  _vitssl.conf        the resolved configuration",
                "A table with a 'checkpoint' column is evaluated per checkpoint (or only vitssl.knn.checkpoint).",
                "Example: vitssl knn --train emb/train --test emb/val --output out/knn --ks [10,20]");
    }

    @Override public String configSection() { return KnnSettings.S; }

    @Override public void validate(Config config) {
        KnnSettings.fromConfig(config);
    }

    @Override public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        KnnSettings s = KnnSettings.fromConfig(config);
        PrintStream out = ctx.out();
        SparkSession spark = SparkSessions.getOrCreate(config, name());
        Configuration hc = spark.sparkContext().hadoopConfiguration();
        Dataset<Row> train = EmbeddingsTable.read(spark, s.train, "train");
        Dataset<Row> test = EmbeddingsTable.read(spark, s.test, "test");
        List<String> checkpoints = checkpoints(s, train, test);

        AtomicOutput output = AtomicOutput.begin(s.output, s.overwrite, hc);
        String tmp = output.tempPath();
        try {
            List<Row> results = new ArrayList<>();
            List<Row> lowShot = new ArrayList<>();
            List<Row> lowShotSummary = new ArrayList<>();
            TextTable table = new TextTable("checkpoint", "k", "T", "top1 %", "top5 %", "n_train", "n_test");
            TextTable lowTable = new TextTable("checkpoint", "per class", "k", "subsets", "top1 % mean", "top1 std",
                    "top5 % mean", "top5 std");
            for (String ckpt : checkpoints) {
                Dataset<Row> tr = filter(train, ckpt), te = filter(test, ckpt);
                String trainName = "train embeddings table " + s.train, testName = "test embeddings table " + s.test;
                Dataset<Row> bank = EmbeddingsTable.canonical(tr, EmbeddingsTable.ID, EmbeddingsTable.LABEL, EmbeddingsTable.FEATURES);
                long nTrain = bank.count();
                if (nTrain == 0) throw new IllegalArgumentException(trainName + " has no rows" + forCkpt(ckpt));
                KnnEvaluation.TestSet ts = new KnnEvaluation.TestSet(EmbeddingsTable.collect(
                        EmbeddingsTable.canonical(te, EmbeddingsTable.ID, EmbeddingsTable.LABEL, EmbeddingsTable.FEATURES),
                        true, testName));
                out.printf(Locale.ROOT, "knn: checkpoint %s: %d train x %d test, dimension %d, k up to %d, backend %s%n",
                        ckpt, nTrain, ts.queries.n, ts.queries.d, s.ks[s.ks.length - 1], KnnSearch.resolveBackend(s.search));
                long t0 = System.nanoTime();
                KnnEvaluation.Result r = KnnEvaluation.run(bank, ts, s.ks, s.temperature, s.search, s.predictions, trainName);
                out.printf(Locale.ROOT, "knn: search and vote took %.1f s%n", (System.nanoTime() - t0) / 1e9);
                for (int i = 0; i < s.ks.length; i++) {
                    results.add(RowFactory.create(ckpt, s.ks[i], s.temperature, r.top1(i), r.top5(i), nTrain, r.nTest));
                    table.row(ckpt, s.ks[i], s.temperature, fmt(r.top1(i)), fmt(r.top5(i)), nTrain, r.nTest);
                }
                if (s.predictions) {
                    spark.createDataFrame(r.predictions, PREDICTIONS).withColumn("checkpoint", lit(ckpt))
                            .select("checkpoint", "image_id", "k", "prediction", "label")
                            .write().mode(SaveMode.Append).parquet(tmp + "/predictions");
                }
                r.release();
                if (s.lowShot) runLowShot(s, ckpt, bank, ts, trainName, lowShot, lowShotSummary, lowTable, out);
            }
            write(spark, results, RESULTS, tmp + "/results");
            String text = "k-NN (DINO weighted vote, T = " + s.temperature + "), top-1/top-5 in percent\n" + table;
            if (s.lowShot) {
                write(spark, lowShot, LOW_SHOT, tmp + "/low_shot");
                write(spark, lowShotSummary, LOW_SHOT_SUMMARY, tmp + "/low_shot_summary");
                text += "\nlow-shot k-NN (AttMask protocol: images per class, mean over subsets)\n" + lowTable;
            }
            HadoopFiles.writeString(tmp + "/results.txt", text, hc);
            ResolvedConfigFile.writeInto(tmp, config, hc);
            output.commit();
            out.println(text);
            out.println("knn: results in " + output.targetPath());
            return 0;
        } catch (Exception | Error e) {
            output.abort();
            throw e;
        }
    }

    private static void runLowShot(KnnSettings s, String ckpt, Dataset<Row> bank, KnnEvaluation.TestSet ts,
                                   String trainName, List<Row> rows, List<Row> summary, TextTable table, PrintStream out) {
        for (int nu : s.lowShotPerClass) {
            int k = LowShot.kFor(nu, s.lowShotK, s.lowShotKSingle);
            double[] t1 = new double[s.lowShotSubsets], t5 = new double[s.lowShotSubsets];
            for (int j = 0; j < s.lowShotSubsets; j++) {
                Dataset<Row> sub = LowShot.select(bank, nu, j).cache();
                long n = sub.count();
                KnnEvaluation.Result r = KnnEvaluation.run(sub, ts, new int[] {k}, s.temperature, s.search, false,
                        trainName + " (low-shot " + nu + " per class, subset " + j + ")");
                sub.unpersist();
                t1[j] = r.top1(0);
                t5[j] = r.top5(0);
                rows.add(RowFactory.create(ckpt, nu, k, j, LowShot.offset(nu, j), t1[j], t5[j], n, r.nTest));
                out.printf(Locale.ROOT, "knn: low-shot %d per class, subset %d: %d bank rows, top1 %.2f%%%n", nu, j, n, t1[j]);
            }
            summary.add(RowFactory.create(ckpt, nu, k, s.lowShotSubsets, mean(t1), std(t1), mean(t5), std(t5)));
            table.row(ckpt, nu, k, s.lowShotSubsets, fmt(mean(t1)), fmt(std(t1)), fmt(mean(t5)), fmt(std(t5)));
        }
    }

    /** Which checkpoints to evaluate; see help(). */
    public static List<String> checkpoints(KnnSettings s, Dataset<Row> train, Dataset<Row> test) {
        boolean col = Arrays.asList(train.columns()).contains(EmbeddingsTable.CHECKPOINT);
        if (!col) {
            return List.of(s.checkpoint.isEmpty() ? nameFromPath(s.train) : s.checkpoint);
        }
        if (!Arrays.asList(test.columns()).contains(EmbeddingsTable.CHECKPOINT)) {
            throw new IllegalArgumentException("train embeddings table " + s.train + " has a 'checkpoint' column but test "
                    + "embeddings table " + s.test + " has none");
        }
        if (!s.checkpoint.isEmpty()) return List.of(s.checkpoint);
        List<String> l = new ArrayList<>();
        for (Row r : train.select(EmbeddingsTable.CHECKPOINT).distinct().orderBy(EmbeddingsTable.CHECKPOINT).collectAsList()) {
            if (r.isNullAt(0)) throw new IllegalArgumentException("train embeddings table " + s.train + ": null in column 'checkpoint'");
            l.add(r.getString(0));
        }
        return l;
    }

    private static Dataset<Row> filter(Dataset<Row> d, String ckpt) {
        return Arrays.asList(d.columns()).contains(EmbeddingsTable.CHECKPOINT)
                ? d.where(col(EmbeddingsTable.CHECKPOINT).equalTo(lit(ckpt))) : d;
    }

    private static String forCkpt(String ckpt) {
        return " for checkpoint " + ckpt;
    }

    /** The table directory's name, or its parent's when the name is a split (train/val/test). */
    public static String nameFromPath(String path) {
        Path p = new Path(path);
        String n = p.getName();
        if ((n.equals("train") || n.equals("val") || n.equals("test")) && p.getParent() != null) {
            return p.getParent().getName();
        }
        return n;
    }

    public static void write(SparkSession spark, List<Row> rows, StructType schema, String path) {
        JavaRDD<Row> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 1);
        spark.createDataFrame(rdd, schema).write().parquet(path);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (n - 1); 0 for one value. */
    static double std(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return Math.sqrt(ss / (v.length - 1));
    }
}
