package org.vitssl.pretrain.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.common.io.ResolvedConfigFile;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;
import org.vitssl.common.spark.SparkSessions;
import org.vitssl.augment.transform.CorruptImageException;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.augment.transform.Normalize;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.pretrain.model.SafetensorsIO;
import org.vitssl.pretrain.model.VisionTransformer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code vitssl attention}: last-block CLS attention, rollout and AttMask masks per image of a Parquet
 * images table, for one ViT checkpoint. See {@link #help()}.
 */
public final class AttentionJob implements VitsslJob {
    private static final Logger LOG = LoggerFactory.getLogger(AttentionJob.class);
    static final String OVERLAY_DIR = "_overlays";

    /** Output schema. */
    public static final StructType SCHEMA = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, true)
            .add("grid_h", DataTypes.IntegerType, false)
            .add("grid_w", DataTypes.IntegerType, false)
            .add("attention", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("attention_heads", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), false)
            .add("rollout", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("mask_high", DataTypes.createArrayType(DataTypes.BooleanType, false), false)
            .add("mask_low", DataTypes.createArrayType(DataTypes.BooleanType, false), false);

    @Override public String name() { return "attention"; }

    @Override public String summary() { return "per-image ViT attention, rollout and AttMask masks (Parquet + PNG overlays)"; }

    @Override public String help() {
        return String.join("\n",
                "vitssl attention --checkpoint CKPT.safetensors --images IMAGES --output OUT [key=value ...]",
                "",
                "Reads a ViT backbone from a safetensors checkpoint (key prefix: vitssl.attention.prefix, 'auto' finds",
                "teacher.backbone., backbone., module. ...; the architecture comes from vitssl.model) and a Parquet images",
                "table (ingest schema: image_id, label, bytes, ...). Each image goes through the evaluation transform",
                "(shorter side -> resize, bicubic; centre crop; ImageNet normalisation; untouched when already crop x crop).",
                "Writes OUT/part-*.parquet with image_id, label, grid_h, grid_w, attention (last block's CLS attention to",
                "the patches, mean of heads, row-major), attention_heads (per head), rollout (CLS row of the attention",
                "rollout over all blocks), mask_high / mask_low (the floor(N * mask-ratio) most / least attended patches,",
                "ties to the lower index), OUT/_overlays/*.png (attention heat maps on the cropped images) and",
                "OUT/_vitssl.conf. OUT appears only when complete.",
                "Keys: vitssl.attention.* (see reference.conf of the pretrain module) and vitssl.model.*.");
    }

    @Override public String configSection() { return "vitssl.attention"; }

    @Override public void validate(Config config) {
        new AttentionSettings(config);
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        AttentionSettings s = new AttentionSettings(ctx.config());
        SparkSession spark = SparkSessions.getOrCreate(ctx.config(), name());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        byte[] ckpt = HadoopFiles.readBytes(s.checkpoint, hadoop);
        String prefix = checkModel(s, ckpt, ctx);

        Dataset<Row> images = spark.read().parquet(s.images);
        for (String col : new String[] {"image_id", "label", "bytes"}) {
            if (!List.of(images.columns()).contains(col)) {
                throw new IllegalArgumentException(s.images + ": not an images table, column " + col + " is missing");
            }
        }
        images = images.select("image_id", "label", "bytes");
        if (s.partitions > 0) images = images.repartition(s.partitions);

        AtomicOutput out = AtomicOutput.begin(s.output, s.overwrite, hadoop);
        try {
            Broadcast<byte[]> weights = spark.sparkContext().broadcast(ckpt, scala.reflect.ClassTag$.MODULE$.apply(byte[].class));
            Broadcast<SerializableConfiguration> conf = spark.sparkContext().broadcast(new SerializableConfiguration(hadoop),
                    scala.reflect.ClassTag$.MODULE$.apply(SerializableConfiguration.class));
            LongAccumulator skipped = spark.sparkContext().longAccumulator("attention.skipped");
            String overlayDir = out.tempPath() + "/" + OVERLAY_DIR;
            Dataset<Row> result = images.mapPartitions(
                    new Worker(s, prefix, weights, conf, overlayDir, skipped), Encoders.row(SCHEMA));
            result.write().mode(SaveMode.Overwrite).parquet(out.tempPath());
            ResolvedConfigFile.writeInto(out.tempPath(), ctx.config(), hadoop);
            out.commit();
            long n = spark.read().parquet(s.output).count();
            ctx.out().printf("attention: %d images -> %s (%d skipped: not decodable)%n", n, out.targetPath(), skipped.value());
            return 0;
        } catch (Exception e) {
            out.abort();
            throw e;
        }
    }

    /** Loads the checkpoint into the configured model on the driver (fails early, naming the key) and returns its prefix. */
    static String checkModel(AttentionSettings s, byte[] ckpt, JobContext ctx) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = SafetensorsIO.read(new ByteArrayInputStream(ckpt), m, s.checkpoint);
            String prefix = s.prefix.equals("auto") ? SafetensorsIO.detectBackbonePrefix(t.keySet()) : s.prefix;
            VisionTransformer v = VisionTransformer.create(s.vit(), m);
            SafetensorsIO.LoadReport r = SafetensorsIO.load(v, t, prefix, true);
            ctx.out().printf("attention: %s, prefix '%s': %d tensors loaded, ignored %s%n", s.checkpoint, prefix, r.loaded().size(),
                    r.unexpected());
            return prefix;
        }
    }

    /** Runs the model over one partition. */
    static final class Worker implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final AttentionSettings s;
        private final String prefix;
        private final Broadcast<byte[]> weights;
        private final Broadcast<SerializableConfiguration> conf;
        private final String overlayDir;
        private final LongAccumulator skipped;

        Worker(AttentionSettings s, String prefix, Broadcast<byte[]> weights, Broadcast<SerializableConfiguration> conf,
               String overlayDir, LongAccumulator skipped) {
            this.s = s;
            this.prefix = prefix;
            this.weights = weights;
            this.conf = conf;
            this.overlayDir = overlayDir;
            this.skipped = skipped;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) throws Exception {
            List<Row> out = new ArrayList<>();
            // The augment module's PIL-exact evaluation transform; images already crop x crop pass as they are.
            EvalTransform tf = new EvalTransform(s.resize, s.crop, true, s.mean, s.std);
            Normalize norm = new Normalize(s.mean, s.std);
            int overlays = 0;
            try (NDManager base = NDManager.newBaseManager()) {
                VisionTransformer model = VisionTransformer.create(s.vit(), base);
                try (NDManager tmp = base.newSubManager()) {
                    SafetensorsIO.load(model, SafetensorsIO.read(new ByteArrayInputStream(weights.value()), tmp, s.checkpoint), prefix, true);
                }
                AttentionExtractor ex = new AttentionExtractor(model, s.rolloutOrder, s.maskRatio);
                List<Row> batch = new ArrayList<>();
                List<Rgb8> px = new ArrayList<>();
                while (rows.hasNext() || !batch.isEmpty()) {
                    if (rows.hasNext()) {
                        Row r = rows.next();
                        String id = r.getString(0);
                        byte[] bytes = r.isNullAt(2) ? null : (byte[]) r.get(2);
                        try {
                            if (bytes == null) throw new IllegalArgumentException("no bytes");
                            px.add(tf.apply(OpenCv.decode(bytes)));
                            batch.add(r);
                        } catch (IllegalArgumentException | CorruptImageException | org.opencv.core.CvException e) {
                            skipped.add(1);
                            LOG.warn("attention: skipping image {}: {}", id, e.getMessage());
                        }
                        if (batch.size() < s.batchSize && rows.hasNext()) continue;
                    }
                    if (batch.isEmpty()) continue;
                    List<float[]> chw = new ArrayList<>();
                    for (Rgb8 p : px) chw.add(norm.toChw(p));
                    List<AttentionExtractor.Maps> maps = ex.compute(base, chw, s.crop);
                    for (int i = 0; i < batch.size(); i++) {
                        Row r = batch.get(i);
                        AttentionExtractor.Maps mp = maps.get(i);
                        out.add(RowFactory.create(r.getString(0), r.isNullAt(1) ? null : r.getInt(1), mp.gridH(), mp.gridW(),
                                boxed(mp.mean()), nested(mp.heads()), boxed(mp.rollout()), boxed(mp.maskHigh()), boxed(mp.maskLow())));
                        if (s.overlays && overlays < s.overlaysPerPartition) {
                            byte[] png = AttentionOverlay.overlayPng(px.get(i).data, s.crop, mp.mean(), mp.gridH(), mp.gridW(), s.overlayAlpha);
                            HadoopFiles.writeBytes(overlayDir + "/" + fileName(r.getString(0)) + ".png", png, conf.value().value());
                            overlays++;
                        }
                    }
                    batch.clear();
                    px.clear();
                }
            }
            return out.iterator();
        }
    }

    /** A file name for an image id: letters, digits, '-', '_' and '.' kept, anything else as _XX hex. */
    static String fileName(String id) {
        StringBuilder b = new StringBuilder();
        for (byte c : id.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char ch = (char) (c & 0xff);
            if (Character.isLetterOrDigit(ch) && ch < 128 || ch == '-' || ch == '.') b.append(ch);
            else b.append('_').append(String.format("%02x", c & 0xff));
        }
        return b.toString();
    }

    private static Float[] boxed(float[] a) {
        Float[] r = new Float[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    private static Boolean[] boxed(boolean[] a) {
        Boolean[] r = new Boolean[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    private static Float[][] nested(float[][] a) {
        Float[][] r = new Float[a.length][];
        for (int i = 0; i < a.length; i++) r[i] = boxed(a[i]);
        return r;
    }
}
