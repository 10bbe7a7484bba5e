package org.vitssl.jobs.evaluation;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
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
import org.vitssl.embed.EmbedJob;
import org.vitssl.embed.EmbedSettings;
import org.vitssl.embed.RawPixels;
import org.vitssl.evaluate.knn.KnnJob;
import org.vitssl.evaluate.plot.LinePlot;
import org.vitssl.evaluate.probe.LinearProbe;
import org.vitssl.evaluate.probe.ProbeJob;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code vitssl evaluate-checkpoints}: every checkpoint of a directory that is not yet in the evaluation
 * table is embedded (train and test images) and scored with the weighted k-NN and the linear probe;
 * its rows are appended to one table (Parquet and CSV) and the metrics are plotted against epoch.
 *
 * <p>Per checkpoint: embed train -> embed test -> knn -> probe -> rows. A checkpoint that fails (corrupt
 * file, wrong architecture) gets one {@code failed} row with the reason and the others go on. The table
 * is rewritten atomically (old rows + new rows) after each checkpoint, so a killed run loses at most
 * the checkpoint in progress, and a re-run evaluates only what is missing.
 */
public final class EvaluateCheckpointsJob implements VitsslJob {
    static final String S = "vitssl.evaluate.";

    public static final StructType TABLE = new StructType()
            .add("checkpoint", DataTypes.StringType, false)
            .add("checkpoint_id", DataTypes.StringType, true)
            .add("epoch", DataTypes.IntegerType, true)
            .add("step", DataTypes.LongType, true)
            .add("metric", DataTypes.StringType, false)
            .add("k", DataTypes.IntegerType, true)
            .add("value", DataTypes.DoubleType, false)
            .add("wall_s", DataTypes.DoubleType, false)
            .add("evaluated_at", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true);

    @Override public String name() { return "evaluate-checkpoints"; }

    @Override public String summary() { return "embed + k-NN + linear probe for every new checkpoint of a directory"; }

    @Override public String help() {
        return String.join("\n",
                "Reads the checkpoints under vitssl.evaluate.checkpoints (step-<n>/ training checkpoints, also under",
                "<run>/checkpoints/, and .safetensors files) and, for each one not yet in the evaluation table:",
                "embeds vitssl.evaluate.train-images and test-images (vitssl.embed.* settings: feature, backbone,",
                "batch size), runs the weighted k-NN (vitssl.knn.*) and the linear probe (vitssl.probe.*).",
                "Writes under vitssl.evaluate.output:",
                "  table/          checkpoint, checkpoint_id, epoch, step, metric, k, value, wall_s, evaluated_at, status, error",
                "  table.csv       the same rows as CSV;  metrics.png  top-1 against epoch (step when epochs are unknown)",
                "  runs/<name>/    each checkpoint's knn and probe outputs",
                "Metrics: knn_top1 / knn_top5 (per k), probe_top1 / probe_top5 (" + LinearProbe.METRIC + ").",
                "Re-running evaluates only new checkpoints (and failed ones with retry-failed = true).",
                "vitssl.evaluate.baselines = [raw-pixels] adds the stored pixels / 255 as a row (and a line in the plot).",
                "Example: vitssl evaluate-checkpoints --checkpoints runs/dino --train-images data/fmnist/train \\",
                "           --test-images data/fmnist/test --output eval/dino");
    }

    @Override public String configSection() { return "vitssl.evaluate"; }

    /** The validated section. */
    record Settings(String checkpoints, String trainImages, String testImages, String output, boolean knn,
                    boolean probe, boolean retryFailed, boolean keepEmbeddings, int plotK, List<String> baselines) {
        static Settings of(Config c) {
            List<String> baselines = c.getStringList(S + "baselines");
            for (String b : baselines) {
                if (!RawPixels.selected(b)) throw ConfigChecks.bad(S + "baselines", b, "unknown baseline (known: " + RawPixels.CHECKPOINT + ")");
            }
            Settings s = new Settings(ConfigChecks.nonEmptyString(c, S + "checkpoints"),
                    ConfigChecks.nonEmptyString(c, S + "train-images"), ConfigChecks.nonEmptyString(c, S + "test-images"),
                    ConfigChecks.nonEmptyString(c, S + "output"), c.getBoolean(S + "knn"), c.getBoolean(S + "probe"),
                    c.getBoolean(S + "retry-failed"), c.getBoolean(S + "keep-embeddings"), ConfigChecks.positiveInt(c, S + "plot-k"),
                    List.copyOf(baselines));
            if (!s.knn && !s.probe) throw ConfigChecks.bad(S + "knn", false, "knn and probe are both off: nothing to evaluate");
            if (s.knn && !c.getIntList("vitssl.knn.ks").contains(s.plotK)) {
                throw ConfigChecks.bad(S + "plot-k", s.plotK, "must be one of vitssl.knn.ks " + c.getIntList("vitssl.knn.ks"));
            }
            return s;
        }
    }

    @Override public void validate(Config config) {
        Settings.of(config);
    }

    @Override public int run(JobContext ctx) throws Exception {
        Settings s = Settings.of(ctx.config());
        SparkSession spark = SparkSessions.getOrCreate(ctx.config(), name());
        List<Row> rows = evaluate(spark, s, ctx.config(), ctx.out());
        ctx.out().println(render(rows, s.plotK));
        ctx.out().println("evaluate-checkpoints: table in " + s.output + "/table (and table.csv), plot " + s.output + "/metrics.png");
        return 0;
    }

    /** The whole job on an existing session; returns every row of the table after the run. */
    static List<Row> evaluate(SparkSession spark, Settings s, Config config, PrintStream out) throws Exception {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        String tablePath = s.output + "/table";
        List<Row> rows = new ArrayList<>();
        if (HadoopFiles.exists(tablePath, hadoop)) rows.addAll(spark.read().schema(TABLE).parquet(tablePath).collectAsList());
        Set<String> done = new HashSet<>();
        for (Row r : rows) if (!s.retryFailed || "ok".equals(r.getString(9))) done.add(r.getString(0));
        rows.removeIf(r -> !done.contains(r.getString(0)));

        List<CheckpointDirectory.Checkpoint> all = new ArrayList<>();
        for (String b : s.baselines) all.add(new CheckpointDirectory.Checkpoint(b, b, null, null));
        all.addAll(CheckpointDirectory.list(s.checkpoints, hadoop));
        out.printf("evaluate-checkpoints: %d checkpoints in %s%s, %d already evaluated%n", all.size() - s.baselines.size(),
                s.checkpoints, s.baselines.isEmpty() ? "" : " plus baselines " + s.baselines,
                all.stream().filter(c -> done.contains(c.name())).count());
        for (CheckpointDirectory.Checkpoint c : all) {
            if (done.contains(c.name())) continue;
            out.println("evaluate-checkpoints: " + c.name() + " (" + c.path() + ")");
            long t0 = System.nanoTime();
            String when = Instant.now().toString();
            try {
                rows.addAll(evaluateOne(spark, s, config, c, t0, when, out));
            } catch (Exception e) {
                String why = rootMessage(e);
                out.println("evaluate-checkpoints: " + c.name() + " FAILED: " + why);
                rows.add(RowFactory.create(c.name(), null, c.epoch(), c.step(), "failed", null, Double.NaN,
                        (System.nanoTime() - t0) / 1e9, when, "failed", why));
            }
            writeTable(spark, rows, s, config);
        }
        if (!rows.isEmpty()) {
            writeTable(spark, rows, s, config);
            plot(rows, s, hadoop);
        }
        return rows;
    }

    private static List<Row> evaluateOne(SparkSession spark, Settings s, Config config, CheckpointDirectory.Checkpoint c,
                                         long t0, String when, PrintStream out) throws Exception {
        String work = s.output + "/runs/" + c.name();
        String embTrain = work + "/embeddings/train", embTest = work + "/embeddings/test";
        Config base = override(config, Map.of("vitssl.embed.checkpoint", c.path(), "vitssl.embed.overwrite", true));
        EmbedJob.Result train = EmbedJob.embed(spark, EmbedSettings.fromConfig(override(base,
                Map.of("vitssl.embed.images", s.trainImages, "vitssl.embed.output", embTrain))), config);
        EmbedJob.embed(spark, EmbedSettings.fromConfig(override(base,
                Map.of("vitssl.embed.images", s.testImages, "vitssl.embed.output", embTest))), config);
        List<Row> rows = new ArrayList<>();
        List<Object[]> metrics = new ArrayList<>();
        if (s.knn) {
            Config k = override(config, Map.of("vitssl.knn.train", embTrain, "vitssl.knn.test", embTest,
                    "vitssl.knn.output", work + "/knn", "vitssl.knn.overwrite", true));
            new KnnJob().run(new JobContext(k, List.of(), out));
            for (Row r : spark.read().parquet(work + "/knn/results").collectAsList()) {
                int kk = r.getInt(r.fieldIndex("k"));
                metrics.add(new Object[] {"knn_top1", kk, r.getDouble(r.fieldIndex("top1"))});
                metrics.add(new Object[] {"knn_top5", kk, r.getDouble(r.fieldIndex("top5"))});
            }
        }
        if (s.probe) {
            Config p = override(config, Map.of("vitssl.probe.train", embTrain, "vitssl.probe.test", embTest,
                    "vitssl.probe.output", work + "/probe", "vitssl.probe.overwrite", true));
            new ProbeJob().run(new JobContext(p, List.of(), out));
            Row r = spark.read().parquet(work + "/probe/results").first();
            metrics.add(new Object[] {"probe_top1", null, r.getDouble(r.fieldIndex("top1"))});
            metrics.add(new Object[] {"probe_top5", null, r.getDouble(r.fieldIndex("top5"))});
        }
        if (!s.keepEmbeddings) {
            Path emb = new Path(work + "/embeddings");
            emb.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(emb, true);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        for (Object[] m : metrics) {
            rows.add(RowFactory.create(c.name(), train.checkpointId(), c.epoch(), c.step(), m[0], m[1], m[2], wall, when, "ok", null));
        }
        return rows;
    }

    private static Config override(Config c, Map<String, Object> values) {
        return ConfigFactory.parseMap(values).withFallback(c);
    }

    private static void writeTable(SparkSession spark, List<Row> rows, Settings s, Config config) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        AtomicOutput out = AtomicOutput.begin(s.output + "/table", true, hadoop);
        try {
            spark.createDataFrame(rows, TABLE).coalesce(1).write().mode(org.apache.spark.sql.SaveMode.Overwrite).parquet(out.tempPath());
            ResolvedConfigFile.writeInto(out.tempPath(), config, hadoop);
            out.commit();
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
        StringBuilder csv = new StringBuilder("checkpoint,checkpoint_id,epoch,step,metric,k,value,wall_s,evaluated_at,status,error\n");
        for (Row r : rows) {
            for (int i = 0; i < r.length(); i++) {
                if (i > 0) csv.append(',');
                Object v = r.get(i);
                if (v != null) csv.append(csvField(String.valueOf(v)));
            }
            csv.append('\n');
        }
        HadoopFiles.writeString(s.output + "/table.csv", csv.toString(), hadoop);
    }

    private static String csvField(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /** top-1 of the k-NN at plot-k and of the probe against epoch (or step). */
    private static void plot(List<Row> rows, Settings s, Configuration hadoop) {
        boolean epochs = rows.stream().filter(r -> "ok".equals(r.getString(9)) && !s.baselines.contains(r.getString(0)))
                .allMatch(r -> !r.isNullAt(2));
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        Map<String, Double> flat = new LinkedHashMap<>();
        for (Row r : rows) {
            if (!"ok".equals(r.getString(9))) continue;
            String metric = r.getString(4);
            boolean knn = metric.equals("knn_top1") && !r.isNullAt(5) && r.getInt(5) == s.plotK;
            if (!knn && !metric.equals("probe_top1")) continue;
            String name = knn ? "k-NN top-1 (k=" + s.plotK + ")" : "linear probe top-1";
            if (s.baselines.contains(r.getString(0))) {
                flat.put(r.getString(0) + " " + name, r.getDouble(6));
                continue;
            }
            Double x = epochs ? Double.valueOf(r.getInt(2)) : r.isNullAt(3) ? null : Double.valueOf(r.getLong(3));
            if (x == null) continue;
            series.computeIfAbsent(name, n -> new TreeMap<>()).put(x, r.getDouble(6));
        }
        if (series.isEmpty()) return;
        // A baseline is a horizontal line across the checkpoints' range.
        double lo = series.values().stream().mapToDouble(TreeMap::firstKey).min().orElse(0);
        double hi = series.values().stream().mapToDouble(TreeMap::lastKey).max().orElse(1);
        for (Map.Entry<String, Double> f : flat.entrySet()) {
            TreeMap<Double, Double> line = new TreeMap<>();
            line.put(lo, f.getValue());
            line.put(hi, f.getValue());
            series.put(f.getKey(), line);
        }
        LinePlot p = new LinePlot("Evaluation across checkpoints", epochs ? "epoch" : "step", "top-1 accuracy (%)");
        for (Map.Entry<String, TreeMap<Double, Double>> e : series.entrySet()) {
            p.series(e.getKey(), e.getValue());
        }
        p.writePng(s.output + "/metrics.png", hadoop);
    }

    /** The printed summary: one line per checkpoint. */
    static String render(List<Row> rows, int plotK) {
        Map<String, Map<String, Object>> by = new LinkedHashMap<>();
        for (Row r : rows) {
            Map<String, Object> m = by.computeIfAbsent(r.getString(0), k -> new HashMap<>());
            m.put("epoch", r.get(2));
            m.put("step", r.get(3));
            m.put("status", r.getString(9));
            if (!r.isNullAt(10)) m.put("error", r.getString(10));
            String metric = r.getString(4);
            if (metric.startsWith("knn") && !r.isNullAt(5) && r.getInt(5) == plotK) m.put(metric, r.getDouble(6));
            if (metric.startsWith("probe")) m.put(metric, r.getDouble(6));
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-28s %6s %8s %12s %12s %12s %12s  %s%n",
                "checkpoint", "epoch", "step", "knn@" + plotK + " top1", "knn@" + plotK + " top5", "probe top1", "probe top5", "status"));
        for (Map.Entry<String, Map<String, Object>> e : by.entrySet()) {
            Map<String, Object> m = e.getValue();
            b.append(String.format(Locale.ROOT, "%-28s %6s %8s %12s %12s %12s %12s  %s%n", e.getKey(),
                    m.get("epoch") == null ? "-" : m.get("epoch"), m.get("step") == null ? "-" : m.get("step"),
                    pct(m.get("knn_top1")), pct(m.get("knn_top5")), pct(m.get("probe_top1")), pct(m.get("probe_top5")),
                    "ok".equals(m.get("status")) ? "ok" : "failed: " + m.get("error")));
        }
        return b.toString();
    }

    private static String pct(Object v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", (Double) v);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        String msg = String.valueOf(e.getMessage());
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) msg = t.getMessage();
        }
        return t.getClass().getSimpleName() + ": " + msg;
    }
}
