package org.vitssl.jobs.visualize;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.common.io.ResolvedConfigFile;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;
import org.vitssl.common.spark.SparkSessions;
import org.vitssl.embed.BackboneCheckpoint;
import org.vitssl.pretrain.attention.AttentionExtractor;
import org.vitssl.pretrain.mask.AttMaskGenerator;
import org.vitssl.pretrain.mask.BlockMaskGenerator;
import org.vitssl.pretrain.mask.MaskRatioSampler;
import org.vitssl.pretrain.mask.RandomMaskGenerator;
import org.vitssl.pretrain.model.AttentionRollout;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.apache.spark.sql.functions.col;

/**
 * {@code vitssl visualize}: PNG grids for a checkpoint and an images table — the last layer's attention
 * (mean and every head, plus the rollout), the masks each strategy would draw (AttMask high / low / hint,
 * random, block) over the images, and, given embeddings tables, the k-NN neighbours of a few queries.
 */
public final class VisualizeJob implements VitsslJob {
    static final String S = "vitssl.visualize.";

    @Override public String name() { return "visualize"; }

    @Override public String summary() { return "PNG grids: attention per head, masks per strategy, k-NN neighbours"; }

    @Override public String help() {
        return String.join("\n",
                "Reads the first vitssl.visualize.count images (by image_id) of vitssl.visualize.images and the backbone of",
                "vitssl.visualize.checkpoint (any checkpoint embed accepts); writes under vitssl.visualize.output:",
                "  attention.png   image | mean of heads | head 0..H-1 | rollout (last-layer CLS attention over patches)",
                "  masks.png       image | AttMask high | low | hint | random | block at mask-ratio (masked patches grey)",
                "  neighbours.png  (with train-embeddings, test-embeddings, train-images) each query and its k nearest",
                "                  training images by cosine similarity, with labels",
                "Images go through vitssl.augment.eval (the model's evaluation transform).");
    }

    @Override public String configSection() { return "vitssl.visualize"; }

    @Override public void validate(Config c) {
        ConfigChecks.nonEmptyString(c, S + "checkpoint");
        ConfigChecks.nonEmptyString(c, S + "images");
        ConfigChecks.nonEmptyString(c, S + "output");
        ConfigChecks.intIn(c, S + "count", 1, 64);
        ConfigChecks.doubleIn(c, S + "mask-ratio", 0.0, 1.0);
        ConfigChecks.intIn(c, S + "cell", 16, 512);
        ConfigChecks.intIn(c, S + "neighbours.queries", 1, 64);
        ConfigChecks.intIn(c, S + "neighbours.k", 1, 32);
    }

    @Override public int run(JobContext ctx) throws Exception {
        Config c = ctx.config();
        validate(c);
        SparkSession spark = SparkSessions.getOrCreate(c, name());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        int count = c.getInt(S + "count"), cell = c.getInt(S + "cell");
        EvalTransform eval = EvalTransform.fromConfig(c);
        List<Row> rows = spark.read().parquet(c.getString(S + "images")).select("image_id", "label", "bytes")
                .orderBy("image_id").limit(count).collectAsList();
        AtomicOutput out = AtomicOutput.begin(c.getString(S + "output"), c.getBoolean(S + "overwrite"), hadoop);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            BackboneCheckpoint.Loaded model = BackboneCheckpoint.load(c.getString(S + "checkpoint"),
                    c.getString(S + "backbone"), c.getInt("vitssl.embed.num-heads"), m, hadoop);
            if (c.getBoolean("vitssl.augment.eval.match-checkpoint")) eval = eval.atCrop(model.config().imgSize());
            List<Rgb8> shown = new ArrayList<>();
            List<float[]> tensors = new ArrayList<>();
            for (Row r : rows) {
                Rgb8 img = OpenCv.decode((byte[]) r.get(2));
                shown.add(eval.apply(img));
                tensors.add(eval.toTensor(img));
            }
            double ratio = c.getDouble(S + "mask-ratio");
            List<AttentionExtractor.Maps> maps = new AttentionExtractor(model.model(), AttentionRollout.Order.FIRST_LEFT, ratio)
                    .compute(m, tensors, eval.cropSize());
            HadoopFiles.writeBytes(out.tempPath() + "/attention.png", attentionGrid(rows, shown, maps, cell).png(), hadoop);
            HadoopFiles.writeBytes(out.tempPath() + "/masks.png",
                    maskGrid(rows, shown, maps, ratio, c.getLong(S + "seed"), cell).png(), hadoop);
            ctx.out().println("visualize: attention.png and masks.png for " + rows.size() + " images of " + model.id());
        }
        if (!c.getString(S + "neighbours.test-embeddings").isEmpty()) {
            ImageGrid g = neighbourGrid(spark, c, eval, cell);
            HadoopFiles.writeBytes(out.tempPath() + "/neighbours.png", g.png(), hadoop);
            ctx.out().println("visualize: neighbours.png");
        }
        ResolvedConfigFile.writeInto(out.tempPath(), c, hadoop);
        out.commit();
        ctx.out().println("visualize: wrote " + out.targetPath());
        return 0;
    }

    static ImageGrid attentionGrid(List<Row> rows, List<Rgb8> shown, List<AttentionExtractor.Maps> maps, int cell) {
        int heads = maps.get(0).heads().length;
        List<String> titles = new ArrayList<>(List.of("image", "mean"));
        for (int h = 0; h < heads; h++) titles.add("head " + h);
        titles.add("rollout");
        ImageGrid g = new ImageGrid(cell, titles);
        for (int i = 0; i < rows.size(); i++) {
            AttentionExtractor.Maps mp = maps.get(i);
            List<BufferedImage> cells = new ArrayList<>();
            cells.add(PatchOverlay.image(shown.get(i)));
            cells.add(PatchOverlay.heat(shown.get(i), mp.mean(), mp.gridH(), mp.gridW(), 0.5));
            for (float[] h : mp.heads()) cells.add(PatchOverlay.heat(shown.get(i), h, mp.gridH(), mp.gridW(), 0.5));
            cells.add(PatchOverlay.heat(shown.get(i), mp.rollout(), mp.gridH(), mp.gridW(), 0.5));
            g.row(cells, List.of(rows.get(i).getString(0) + " (" + rows.get(i).getInt(1) + ")"));
        }
        return g;
    }

    static ImageGrid maskGrid(List<Row> rows, List<Rgb8> shown, List<AttentionExtractor.Maps> maps, double ratio, long seed, int cell) {
        ImageGrid g = new ImageGrid(cell, List.of("image", "AttMask high", "AttMask low", "AttMask hint", "random", "block"));
        float[][] scores = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) scores[i] = maps.get(i).mean();
        MaskRatioSampler fixed = MaskRatioSampler.fixed(ratio);
        // masking probability 1: show every image's mask (training clears half of them).
        boolean[][] high = new AttMaskGenerator(AttMaskGenerator.Mode.HIGH, fixed, 1.0, AttMaskGenerator.DEFAULT_SHOW_MAX)
                .generate(scores, 0, new SplittableRandom(seed));
        boolean[][] low = new AttMaskGenerator(AttMaskGenerator.Mode.LOW, fixed, 1.0, AttMaskGenerator.DEFAULT_SHOW_MAX)
                .generate(scores, 0, new SplittableRandom(seed));
        boolean[][] hint = new AttMaskGenerator(AttMaskGenerator.Mode.HINT, fixed, 1.0, AttMaskGenerator.DEFAULT_SHOW_MAX)
                .generate(scores, 0, new SplittableRandom(seed));
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < rows.size(); i++) {
            AttentionExtractor.Maps mp = maps.get(i);
            int gh = mp.gridH(), gw = mp.gridW();
            Rgb8 img = shown.get(i);
            g.row(List.of(PatchOverlay.image(img), PatchOverlay.masked(img, high[i], gh, gw), PatchOverlay.masked(img, low[i], gh, gw),
                    PatchOverlay.masked(img, hint[i], gh, gw),
                    PatchOverlay.masked(img, new RandomMaskGenerator().mask(gh, gw, ratio, rng), gh, gw),
                    PatchOverlay.masked(img, new BlockMaskGenerator().mask(gh, gw, ratio, rng), gh, gw)),
                    List.of(rows.get(i).getString(0), "r = " + ratio));
        }
        return g;
    }

    /** Queries: the first test rows by image_id; neighbours by cosine over the whole (collected) bank. */
    static ImageGrid neighbourGrid(SparkSession spark, Config c, EvalTransform eval, int cell) {
        int q = c.getInt(S + "neighbours.queries"), k = c.getInt(S + "neighbours.k");
        List<Row> queries = spark.read().parquet(c.getString(S + "neighbours.test-embeddings"))
                .select("image_id", "label", "features").orderBy("image_id").limit(q).collectAsList();
        Dataset<Row> bankDf = spark.read().parquet(c.getString(S + "neighbours.train-embeddings")).select("image_id", "label", "features");
        List<Row> bank = bankDf.collectAsList();
        float[][] bankF = new float[bank.size()][];
        for (int i = 0; i < bank.size(); i++) bankF[i] = unit(bank.get(i).getList(2));
        List<String> wanted = new ArrayList<>();
        int[][] nn = new int[queries.size()][];
        double[][] sims = new double[queries.size()][];
        for (int a = 0; a < queries.size(); a++) {
            float[] x = unit(queries.get(a).getList(2));
            double[] s = new double[bankF.length];
            for (int i = 0; i < bankF.length; i++) {
                double d = 0;
                for (int j = 0; j < x.length; j++) d += x[j] * bankF[i][j];
                s[i] = d;
            }
            Integer[] order = new Integer[s.length];
            for (int i = 0; i < s.length; i++) order[i] = i;
            java.util.Arrays.sort(order, (u, v) -> Double.compare(s[v], s[u]));
            nn[a] = new int[Math.min(k, order.length)];
            sims[a] = new double[nn[a].length];
            for (int j = 0; j < nn[a].length; j++) {
                nn[a][j] = order[j];
                sims[a][j] = s[order[j]];
                wanted.add(bank.get(order[j]).getString(0));
            }
        }
        Map<String, byte[]> trainImgs = bytes(spark, c.getString(S + "neighbours.train-images"), wanted);
        List<String> qIds = new ArrayList<>();
        for (Row r : queries) qIds.add(r.getString(0));
        Map<String, byte[]> testImgs = bytes(spark, c.getString(S + "images"), qIds);
        List<String> titles = new ArrayList<>(List.of("query"));
        for (int j = 0; j < k; j++) titles.add("#" + (j + 1));
        ImageGrid g = new ImageGrid(cell, titles);
        for (int a = 0; a < queries.size(); a++) {
            List<BufferedImage> cells = new ArrayList<>();
            List<String> caps = new ArrayList<>();
            cells.add(show(testImgs.get(qIds.get(a)), eval));
            caps.add("label " + queries.get(a).getInt(1));
            for (int j = 0; j < nn[a].length; j++) {
                Row b = bank.get(nn[a][j]);
                cells.add(show(trainImgs.get(b.getString(0)), eval));
                caps.add(String.format(java.util.Locale.ROOT, "%d  %.2f", b.getInt(1), sims[a][j]));
            }
            g.row(cells, caps);
        }
        return g;
    }

    private static BufferedImage show(byte[] bytes, EvalTransform eval) {
        if (bytes == null) return new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        return PatchOverlay.image(eval.apply(OpenCv.decode(bytes)));
    }

    private static Map<String, byte[]> bytes(SparkSession spark, String table, List<String> ids) {
        Map<String, byte[]> m = new HashMap<>();
        for (Row r : spark.read().parquet(table).where(col("image_id").isin(ids.toArray())).select("image_id", "bytes").collectAsList()) {
            m.put(r.getString(0), (byte[]) r.get(1));
        }
        return m;
    }

    private static float[] unit(List<Object> l) {
        float[] f = new float[l.size()];
        double n = 0;
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) l.get(i)).floatValue();
            n += f[i] * f[i];
        }
        float inv = (float) (1 / Math.max(Math.sqrt(n), 1e-12));
        for (int i = 0; i < f.length; i++) f[i] *= inv;
        return f;
    }
}
