package org.vitssl.evaluate.probe;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vitssl.common.config.ConfigChecks;
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
 * {@code vitssl probe}: the {@value LinearProbe#METRIC} on frozen embeddings. Sweeps regParam over
 * {@code vitssl.probe.reg-params}, chooses on a seeded held-out part of the train table, reports test
 * top-1 and top-5 (percent).
 */
public final class ProbeJob implements VitsslJob {
    static final String S = "vitssl.probe";
    public static final StructType RESULTS = new StructType()
            .add("checkpoint", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("reg_param", DataTypes.DoubleType, false)
            .add("val_top1", DataTypes.DoubleType, false)
            .add("top1", DataTypes.DoubleType, false)
            .add("top5", DataTypes.DoubleType, false)
            .add("n_train", DataTypes.LongType, false)
            .add("n_holdout", DataTypes.LongType, false)
            .add("n_test", DataTypes.LongType, false);
    public static final StructType SWEEP = new StructType()
            .add("checkpoint", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("reg_param", DataTypes.DoubleType, false)
            .add("val_top1", DataTypes.DoubleType, false)
            .add("val_top5", DataTypes.DoubleType, false)
            .add("chosen", DataTypes.BooleanType, false);

    /** The {@code vitssl.probe} section, checked. */
    public static final class Settings {
        public final String train, test, output, checkpoint;
        public final boolean overwrite, refit, standardize;
        public final double[] regParams;
        public final double elasticNet, holdout, tol;
        public final long seed;
        public final int maxIter;

        public Settings(Config c) {
            train = ConfigChecks.nonEmptyString(c, S + ".train");
            test = ConfigChecks.nonEmptyString(c, S + ".test");
            output = ConfigChecks.nonEmptyString(c, S + ".output");
            overwrite = c.getBoolean(S + ".overwrite");
            checkpoint = c.getString(S + ".checkpoint");
            List<Double> rp = c.getDoubleList(S + ".reg-params");
            if (rp.isEmpty()) throw ConfigChecks.bad(S + ".reg-params", rp, "must list at least one value");
            for (double v : rp) {
                if (!(v >= 0) || Double.isInfinite(v)) throw ConfigChecks.bad(S + ".reg-params", rp, "values must be finite and >= 0");
            }
            regParams = rp.stream().mapToDouble(Double::doubleValue).toArray();
            elasticNet = ConfigChecks.probability(c, S + ".elastic-net-param");
            holdout = ConfigChecks.doubleIn(c, S + ".holdout-fraction", 1e-6, 0.9);
            seed = c.getLong(S + ".seed");
            maxIter = ConfigChecks.positiveInt(c, S + ".max-iter");
            tol = ConfigChecks.positiveDouble(c, S + ".tol");
            refit = c.getBoolean(S + ".refit");
            standardize = c.getBoolean(S + ".standardize");
        }
    }

    @Override public String name() { return "probe"; }

    @Override public String summary() {
        return LinearProbe.METRIC + " on frozen embeddings: regParam sweep, held-out choice, test top-1/top-5";
    }

    @Override public String help() {
        return String.join("\n",
                "Metric: " + LinearProbe.METRIC + " (MLlib Pipeline: StandardScaler + multinomial LogisticRegression).",
                "This is not the DINO linear protocol (SGD with augmentation); report it under its own name.",
                "Reads vitssl.probe.train and vitssl.probe.test (embeddings tables: image_id, label, features).",
                "For each regParam in vitssl.probe.reg-params: fit on the train table minus a seeded held-out part",
                "(holdout-fraction), measure held-out top-1; the best (first on ties) is refit on the whole train",
                "table (refit = true) and tested. Writes under vitssl.probe.output:",
                "  results/    checkpoint, metric, reg_param, val_top1, top1, top5, n_train, n_holdout, n_test",
                "  sweep/      checkpoint, metric, reg_param, val_top1, val_top5, chosen",
                "  results.txt the printed tables;  _vitssl.conf the resolved configuration",
                "Example: vitssl probe --train emb/train --test emb/val --output out/probe");
    }

    @Override public String configSection() { return S; }

    @Override public void validate(Config config) {
        new Settings(config);
    }

    @Override public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        Settings s = new Settings(config);
        PrintStream out = ctx.out();
        SparkSession spark = SparkSessions.getOrCreate(config, name());
        Configuration hc = spark.sparkContext().hadoopConfiguration();
        Dataset<Row> train = EmbeddingsTable.read(spark, s.train, "train");
        Dataset<Row> test = EmbeddingsTable.read(spark, s.test, "test");
        List<String> ckpts = checkpoints(s, train, test);
        AtomicOutput output = AtomicOutput.begin(s.output, s.overwrite, hc);
        String tmp = output.tempPath();
        try {
            List<Row> results = new ArrayList<>(), sweep = new ArrayList<>();
            TextTable sweepTable = new TextTable("checkpoint", "regParam", "held-out top1 %", "held-out top5 %", "chosen");
            TextTable table = new TextTable("checkpoint", "metric", "regParam", "held-out top1 %", "test top1 %",
                    "test top5 %", "n_train", "n_test");
            for (String ckpt : ckpts) {
                Dataset<Row> tr = prepare(filter(train, ckpt), "train embeddings table " + s.train).cache();
                Dataset<Row> te = prepare(filter(test, ckpt), "test embeddings table " + s.test).cache();
                long nTrain = tr.count(), nTest = te.count();
                if (nTrain == 0) throw new IllegalArgumentException("train embeddings table " + s.train + " has no rows for " + ckpt);
                if (nTest == 0) throw new IllegalArgumentException("test embeddings table " + s.test + " has no rows for " + ckpt);
                Dataset<Row>[] parts = tr.randomSplit(new double[] {1 - s.holdout, s.holdout}, s.seed);
                Dataset<Row> fitPart = parts[0].cache(), holdPart = parts[1].cache();
                long nHold = holdPart.count();
                if (nHold == 0 || fitPart.count() == 0) {
                    throw new IllegalArgumentException("vitssl.probe.holdout-fraction " + s.holdout + " leaves an empty part of "
                            + nTrain + " train rows");
                }
                out.printf(Locale.ROOT, "probe: checkpoint %s: %d train (%d held out), %d test%n", ckpt, nTrain, nHold, nTest);
                int best = -1;
                double bestTop1 = -1;
                double[][] val = new double[s.regParams.length][];
                PipelineModel bestModel = null;
                for (int i = 0; i < s.regParams.length; i++) {
                    PipelineModel m = LinearProbe.pipeline(fit(s, s.regParams[i])).fit(fitPart);
                    val[i] = LinearProbe.accuracy(m, holdPart);
                    out.printf(Locale.ROOT, "probe: regParam %g: held-out top1 %.2f%%%n", s.regParams[i], val[i][0]);
                    if (val[i][0] > bestTop1) {
                        bestTop1 = val[i][0];
                        best = i;
                        bestModel = m;
                    }
                }
                double reg = s.regParams[best];
                PipelineModel finalModel = s.refit ? LinearProbe.pipeline(fit(s, reg)).fit(tr) : bestModel;
                double[] t = LinearProbe.accuracy(finalModel, te);
                for (int i = 0; i < s.regParams.length; i++) {
                    sweep.add(RowFactory.create(ckpt, LinearProbe.METRIC, s.regParams[i], val[i][0], val[i][1], i == best));
                    sweepTable.row(ckpt, s.regParams[i], fmt(val[i][0]), fmt(val[i][1]), i == best ? "*" : "");
                }
                results.add(RowFactory.create(ckpt, LinearProbe.METRIC, reg, bestTop1, t[0], t[1], nTrain, nHold, nTest));
                table.row(ckpt, LinearProbe.METRIC, reg, fmt(bestTop1), fmt(t[0]), fmt(t[1]), nTrain, nTest);
                tr.unpersist();
                te.unpersist();
                fitPart.unpersist();
                holdPart.unpersist();
            }
            org.vitssl.evaluate.knn.KnnJob.write(spark, results, RESULTS, tmp + "/results");
            org.vitssl.evaluate.knn.KnnJob.write(spark, sweep, SWEEP, tmp + "/sweep");
            String text = LinearProbe.METRIC + ": regParam sweep (held out " + s.holdout + " of train, seed " + s.seed + ")\n"
                    + sweepTable + "\n" + LinearProbe.METRIC + ": test accuracy in percent\n" + table;
            HadoopFiles.writeString(tmp + "/results.txt", text, hc);
            ResolvedConfigFile.writeInto(tmp, config, hc);
            output.commit();
            out.println(text);
            out.println("probe: results in " + output.targetPath());
            return 0;
        } catch (Exception | Error e) {
            output.abort();
            throw e;
        }
    }

    private static LinearProbe.Fit fit(Settings s, double reg) {
        return new LinearProbe.Fit(reg, s.elasticNet, s.maxIter, s.tol, s.standardize);
    }

    /**
     * Canonical view with the vector column; rows are checked (null/negative labels, null or
     * non-finite features, inconsistent lengths) in one pass before fitting.
     */
    static Dataset<Row> prepare(Dataset<Row> d, String table) {
        Dataset<Row> c = EmbeddingsTable.canonical(d, EmbeddingsTable.ID, EmbeddingsTable.LABEL, EmbeddingsTable.FEATURES);
        checkRows(c, table);
        return LinearProbe.withVector(c);
    }

    /** One pass over the rows with the same checks as the k-NN; fails naming the row. */
    static void checkRows(Dataset<Row> canonical, String table) {
        if (canonical.isEmpty()) return; // reported as "has no rows" by the caller
        canonical.queryExecution().toRdd().toJavaRDD()
                .map(r -> {
                    EmbeddingsTable.Entry e = EmbeddingsTable.entry(r, 0, true, table);
                    return new Object[] {e.id, e.features.length};
                })
                .reduce((a, b) -> {
                    if (!a[1].equals(b[1])) {
                        throw new IllegalArgumentException(table + ": row image_id=" + b[0] + " has " + b[1]
                                + " features, expected " + a[1] + " like row image_id=" + a[0] + " (column features)");
                    }
                    return a;
                });
    }

    static List<String> checkpoints(Settings s, Dataset<Row> train, Dataset<Row> test) {
        boolean col = Arrays.asList(train.columns()).contains(EmbeddingsTable.CHECKPOINT)
                && Arrays.asList(test.columns()).contains(EmbeddingsTable.CHECKPOINT);
        if (!s.checkpoint.isEmpty()) return List.of(s.checkpoint);
        if (!col) return List.of(org.vitssl.evaluate.knn.KnnJob.nameFromPath(s.train));
        List<String> l = new ArrayList<>();
        for (Row r : train.select(EmbeddingsTable.CHECKPOINT).distinct().orderBy(EmbeddingsTable.CHECKPOINT).collectAsList()) {
            l.add(r.getString(0));
        }
        return l;
    }

    private static Dataset<Row> filter(Dataset<Row> d, String ckpt) {
        return Arrays.asList(d.columns()).contains(EmbeddingsTable.CHECKPOINT)
                ? d.where(col(EmbeddingsTable.CHECKPOINT).equalTo(lit(ckpt))) : d;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
