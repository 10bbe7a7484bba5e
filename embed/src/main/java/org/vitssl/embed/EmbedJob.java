package org.vitssl.embed;

import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.encoders.RowEncoder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.common.io.Json;
import org.vitssl.common.io.ResolvedConfigFile;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;
import org.vitssl.common.spark.SparkSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code vitssl embed}: checkpoint + images table -> embeddings table
 * (image_id string, label int, features array&lt;float&gt;, checkpoint string).
 *
 * <p>Data flow: identify the checkpoint (driver, once) -> skip when the output already holds this
 * checkpoint's embeddings of this input -> read images -> per partition: load the model once per
 * executor, decode + evaluation transform + batched forward -> write Parquet to a temporary directory
 * -> commit it with its description ({@code _embed.json}) and the resolved configuration.
 */
public final class EmbedJob implements VitsslJob {
    private static final Logger LOG = LoggerFactory.getLogger(EmbedJob.class);
    public static final String DESCRIPTION = "_embed.json";

    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("image_id", DataTypes.StringType, false),
        DataTypes.createStructField("label", DataTypes.IntegerType, false),
        DataTypes.createStructField("features", DataTypes.createArrayType(DataTypes.FloatType, false), false),
        DataTypes.createStructField("checkpoint", DataTypes.StringType, false),
    });

    @Override public String name() { return "embed"; }

    @Override public String summary() { return "embed an images table with a checkpoint's ViT backbone (Parquet out)"; }

    @Override public String help() {
        return "Reads vitssl.embed.images (an ingest split), loads vitssl.embed.checkpoint (a .safetensors file with\n"
                + "timm names or a training checkpoint directory; vitssl.embed.backbone = teacher|student), and writes\n"
                + "vitssl.embed.output: image_id, label, features (vitssl.embed.feature = cls | mean-patch | cls-mean |\n"
                + "last-blocks-cls), checkpoint. Images go through vitssl.augment.eval (resize, centre crop, normalise;\n"
                + "with match-checkpoint, at the checkpoint's own image size).\n"
                + "checkpoint = raw-pixels embeds the stored pixels / 255 instead (the raw-pixels baseline; no model).\n"
                + "A re-run with the same checkpoint, input and feature finds the output up to date and does nothing.\n"
                + "Example: vitssl embed --checkpoint run/checkpoints/step-1000 --images data/fmnist/test --output emb/test";
    }

    @Override public String configSection() { return "vitssl.embed"; }

    @Override public void validate(Config config) {
        EmbedSettings.fromConfig(config);
    }

    @Override public int run(JobContext ctx) throws Exception {
        EmbedSettings s = EmbedSettings.fromConfig(ctx.config());
        SparkSession spark = SparkSessions.getOrCreate(ctx.config(), name());
        Result r = embed(spark, s, ctx.config());
        ctx.out().println(r.skipped()
                ? "embed: " + s.output() + " is up to date for " + r.checkpointId()
                : String.format("embed: %d images -> %s (%s, %s, dim %d) in %.1f s (%.1f images/s)", r.rows(), s.output(),
                        r.checkpointId(), s.feature().key, r.dim(), r.seconds(), r.rows() / Math.max(1e-9, r.seconds())));
        return 0;
    }

    /** What one embedding run did. */
    public record Result(String checkpointId, long rows, int dim, double seconds, boolean skipped) {}

    /** The whole job on an existing session (also used by evaluate-checkpoints and the demo). */
    public static Result embed(SparkSession spark, EmbedSettings configured, Config config) throws Exception {
        EmbedSettings s = configured;
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        long t0 = System.nanoTime();
        boolean raw = RawPixels.selected(s.checkpoint());
        String id;
        int dim = -1; // raw pixels: known once the first image is read
        if (raw) {
            id = RawPixels.CHECKPOINT;
        } else {
            BackboneCheckpoint.Loaded probe;
            try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                probe = BackboneCheckpoint.load(s.checkpoint(), s.backbone(), s.numHeads(), m, hadoop);
            }
            id = probe.id();
            s = configured.forImageSize(probe.config().imgSize());
            if (s != configured) {
                LOG.warn("embed: {} was trained at {} px; evaluation transform {} instead of the configured {} "
                        + "(vitssl.augment.eval.match-checkpoint = false keeps it)", s.checkpoint(),
                        probe.config().imgSize(), s.evalTransform(), configured.evalTransform());
            }
            dim = s.feature().dimension(probe.config().dim(), s.nLastBlocks());
            if (s.feature().lastBlocksNeeded(s.nLastBlocks()) > probe.config().depth()) {
                throw new IllegalArgumentException("vitssl.embed.n-last-blocks = " + s.nLastBlocks()
                        + " exceeds the model depth " + probe.config().depth());
            }
        }
        Map<String, Object> desc = new LinkedHashMap<>();
        desc.put("checkpoint_id", id);
        desc.put("checkpoint", s.checkpoint());
        desc.put("backbone", raw ? "-" : s.backbone());
        desc.put("images", s.images());
        desc.put("feature", raw ? RawPixels.CHECKPOINT : s.feature().key);
        desc.put("n_last_blocks", s.nLastBlocks());
        desc.put("dim", dim);
        desc.put("eval_transform", s.evalTransform().toString());
        String descPath = s.output() + "/" + DESCRIPTION;
        if (HadoopFiles.exists(descPath, hadoop) && sameWork(HadoopFiles.readString(descPath, hadoop), desc)) {
            return new Result(id, -1, dim, 0, true);
        }

        AtomicOutput out = AtomicOutput.begin(s.output(), s.overwrite(), hadoop);
        try {
            Dataset<Row> images = spark.read().parquet(s.images()).select("image_id", "label", "bytes");
            if (s.partitions() > 0) images = images.repartition(s.partitions());
            Dataset<Row> emb = images.mapPartitions(new EmbedPartition(s, id), RowEncoder.encoderFor(SCHEMA));
            // The Parquet parts sit at the top of the output (Spark skips the _-prefixed side files).
            emb.write().mode(org.apache.spark.sql.SaveMode.Overwrite).parquet(out.tempPath());
            // One pass over the written table: its row count and, for raw pixels, the feature lengths.
            Row stats = spark.read().parquet(out.tempPath())
                    .selectExpr("count(*)", "min(size(features))", "max(size(features))").first();
            long rows = stats.getLong(0);
            if (raw) {
                if (rows > 0 && stats.getInt(1) != stats.getInt(2)) {
                    throw new IllegalArgumentException("raw-pixels: the images of " + s.images() + " give features of "
                            + "different lengths " + stats.getInt(1) + " to " + stats.getInt(2) + " (images of one size and kind needed)");
                }
                dim = rows == 0 ? 0 : stats.getInt(1);
                desc.put("dim", dim);
            }
            desc.put("rows", rows);
            desc.put("written_at", Instant.now().toString());
            HadoopFiles.writeString(out.tempPath() + "/" + DESCRIPTION, Json.render(desc, true), hadoop);
            ResolvedConfigFile.writeInto(out.tempPath(), config, hadoop);
            out.commit();
            return new Result(id, rows, dim, (System.nanoTime() - t0) / 1e9, false);
        } catch (Exception e) {
            out.abort();
            throw e;
        }
    }

    private static boolean sameWork(String json, Map<String, Object> want) {
        Config have = ConfigFactory.parseString(json);
        for (String k : new String[] {"checkpoint_id", "images", "feature", "n_last_blocks", "backbone", "eval_transform"}) {
            if (!have.hasPath(k) || !String.valueOf(have.getAnyRef(k)).equals(String.valueOf(want.get(k)))) return false;
        }
        return true;
    }
}
