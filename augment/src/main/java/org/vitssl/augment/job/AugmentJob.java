package org.vitssl.augment.job;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.vitssl.augment.CorruptImages;
import org.vitssl.augment.MultiCropSettings;
import org.vitssl.augment.MultiCropTransform;
import org.vitssl.augment.View;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.common.io.ResolvedConfigFile;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;
import org.vitssl.common.spark.SparkSessions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * {@code vitssl augment}: materialises the multi-crop views of the ingest images table for given epochs as
 * a Parquet table (image_id, label, epoch, view, kind, height, width, pixels uint8 HWC), or with
 * {@code --preview} writes a PNG contact sheet of one image and its views.
 */
public final class AugmentJob implements VitsslJob {
    private static final String P = MultiCropSettings.SECTION + ".";

    public static final StructType VIEWS_SCHEMA = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("epoch", DataTypes.IntegerType, false)
            .add("view", DataTypes.IntegerType, false)
            .add("kind", DataTypes.StringType, false)
            .add("height", DataTypes.IntegerType, false)
            .add("width", DataTypes.IntegerType, false)
            .add("pixels", DataTypes.BinaryType, false);

    @Override public String name() { return "augment"; }

    @Override public String summary() { return "materialise multi-crop views to Parquet, or --preview a contact sheet"; }

    @Override public String help() {
        return String.join("\n",
                "vitssl augment --job.input IMAGES --job.output VIEWS [--job.epochs [0,1]] [--job.seed N] [-c recipe.conf]",
                "vitssl augment --preview --job.input IMAGES --preview-output sheet.png [--preview-image-id ID]",
                "",
                "Reads the ingest images table (image_id, label, bytes, ...), applies the multi-crop transform of",
                "vitssl.augment (presets in conf/augment/) and writes, for every image and epoch, one row per view:",
                "image_id, label, epoch, view (0 = global 1), kind (global/local), height, width, pixels (uint8 HWC).",
                "Views depend only on (job.seed, epoch, image_id): any partitioning gives the same bytes.",
                "Corrupt images are skipped and counted. Keys: vitssl.augment.* (see augment/README.md).");
    }

    @Override public String configSection() { return MultiCropSettings.SECTION; }

    @Override
    public void validate(Config config) {
        MultiCropSettings.fromConfig(config);
        ConfigChecks.nonEmptyString(config, P + "job.input");
        if (config.getBoolean(P + "preview")) {
            ConfigChecks.nonEmptyString(config, P + "preview-output");
            ConfigChecks.positiveInt(config, P + "preview-cell");
            ConfigChecks.nonNegativeInt(config, P + "preview-epoch");
        } else {
            ConfigChecks.nonEmptyString(config, P + "job.output");
            epochs(config);
        }
        ConfigChecks.nonNegativeInt(config, P + "job.partitions");
        ConfigChecks.nonNegativeInt(config, P + "job.limit");
    }

    static int[] epochs(Config config) {
        List<Integer> l = config.getIntList(P + "job.epochs");
        if (l.isEmpty()) throw ConfigChecks.bad(P + "job.epochs", l, "must list at least one epoch");
        for (int e : l) if (e < 0) throw ConfigChecks.bad(P + "job.epochs", l, "epochs must be >= 0");
        if (l.stream().distinct().count() != l.size()) throw ConfigChecks.bad(P + "job.epochs", l, "an epoch is listed twice");
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        validate(config);
        MultiCropSettings settings = MultiCropSettings.fromConfig(config);
        long seed = config.getLong(P + "job.seed");
        SparkSession spark = SparkSessions.getOrCreate(config, name());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        String input = config.getString(P + "job.input");
        Dataset<Row> images = spark.read().parquet(input);
        for (String c : new String[] {"image_id", "label", "bytes"}) {
            if (!Arrays.asList(images.columns()).contains(c)) {
                throw new IllegalArgumentException("input " + input + " has no column " + c + " (columns: "
                        + String.join(", ", images.columns()) + "); expected the ingest images table");
            }
        }
        images = images.select("image_id", "label", "bytes");
        int limit = config.getInt(P + "job.limit");
        if (limit > 0) images = images.orderBy("image_id").limit(limit);
        if (config.getBoolean(P + "preview")) return preview(ctx, config, settings, seed, images, hadoop);

        int partitions = config.getInt(P + "job.partitions");
        if (partitions > 0) images = images.repartition(partitions);
        int[] epochs = epochs(config);
        LongAccumulator skipped = spark.sparkContext().longAccumulator("augment.skipped");
        Dataset<Row> views = images.flatMap(new ViewRows(settings, seed, epochs, skipped), Encoders.row(VIEWS_SCHEMA));
        AtomicOutput out = AtomicOutput.begin(config.getString(P + "job.output"), config.getBoolean(P + "job.overwrite"), hadoop);
        try {
            views.write().mode(SaveMode.Overwrite).parquet(out.tempPath());
            ResolvedConfigFile.writeInto(out.tempPath(), config, hadoop);
            out.commit();
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
        long rows = spark.read().parquet(out.targetPath()).count();
        ctx.out().printf("augment: wrote %d views (%d per image per epoch, epochs %s) to %s; %d corrupt images skipped%n",
                rows, settings.viewCount(), Arrays.toString(epochs), out.targetPath(), skipped.value());
        return 0;
    }

    private int preview(JobContext ctx, Config config, MultiCropSettings settings, long seed, Dataset<Row> images,
                        Configuration hadoop) {
        String id = config.getString(P + "preview-image-id");
        Dataset<Row> pick = id.isEmpty() ? images.orderBy("image_id").limit(1) : images.where(col("image_id").equalTo(id)).limit(1);
        List<Row> rows = pick.collectAsList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(id.isEmpty() ? "input " + config.getString(P + "job.input") + " has no images"
                    : "no image with image_id " + id + " in " + config.getString(P + "job.input"));
        }
        Row r = rows.get(0);
        String imageId = r.getString(0);
        Rgb8 img = OpenCv.decode((byte[]) r.get(2));
        int epoch = config.getInt(P + "preview-epoch");
        List<View> views = new MultiCropTransform(settings).apply(img, seed, epoch, imageId);
        Rgb8 sheet = ContactSheet.render(img, views, config.getInt(P + "preview-cell"));
        String target = config.getString(P + "preview-output");
        HadoopFiles.writeBytes(target, OpenCv.encodePng(sheet), hadoop);
        ctx.out().printf("augment --preview: %s (%dx%d, epoch %d, %d views) -> %s%n",
                imageId, img.width, img.height, epoch, views.size(), target);
        return 0;
    }

    /** One image row -> its view rows for every epoch; corrupt images yield nothing and are counted. */
    static final class ViewRows implements FlatMapFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final MultiCropSettings settings;
        private final long seed;
        private final int[] epochs;
        private final LongAccumulator skipped;
        private transient MultiCropTransform transform;

        ViewRows(MultiCropSettings settings, long seed, int[] epochs, LongAccumulator skipped) {
            this.settings = settings;
            this.seed = seed;
            this.epochs = epochs;
            this.skipped = skipped;
        }

        @Override
        public Iterator<Row> call(Row row) {
            if (transform == null) transform = new MultiCropTransform(settings);
            String id = row.getString(0);
            int label = row.isNullAt(1) ? -1 : row.getInt(1);
            Rgb8 img;
            try {
                img = OpenCv.decode((byte[]) row.get(2));
            } catch (RuntimeException e) {
                skipped.add(1);
                CorruptImages.logOnce(id, e);
                return Collections.emptyIterator();
            }
            List<Row> out = new ArrayList<>(epochs.length * settings.viewCount());
            for (int epoch : epochs) {
                for (View v : transform.apply(img, seed, epoch, id)) {
                    Rgb8 p = v.pixels();
                    out.add(RowFactory.create(id, label, epoch, v.index(), v.kind(), p.height, p.width, p.data));
                }
            }
            return out.iterator();
        }
    }
}
