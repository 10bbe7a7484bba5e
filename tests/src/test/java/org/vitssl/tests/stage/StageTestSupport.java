package org.vitssl.tests.stage;

import org.vitssl.pretrain.spark.AllReduceSettings;
import org.vitssl.pretrain.spark.DinoSgdRunner;
import org.vitssl.pretrain.spark.StageSettings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vitssl.augment.MultiCropSettings;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small images tables (PNG from ImageIO) and stage settings for the stage's tests. */
final class StageTestSupport {
    private StageTestSupport() {}

    /** Writes {@code n} random 24x24 PNG images (smooth colour gradients plus noise) as an ingest-like table. */
    static void writeImages(SparkSession spark, String path, int n, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
            int a = r.nextInt(256), b = r.nextInt(256), c = r.nextInt(256);
            for (int y = 0; y < 24; y++) {
                for (int x = 0; x < 24; x++) {
                    int red = (a + 8 * x + r.nextInt(20)) & 0xFF, green = (b + 8 * y + r.nextInt(20)) & 0xFF;
                    int blue = (c + 4 * (x + y)) & 0xFF;
                    img.setRGB(x, y, (red << 16) | (green << 8) | blue);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            rows.add(RowFactory.create(String.format("img-%04d", i), i % 3, "class" + (i % 3), 24, 24, "PNG", out.toByteArray()));
        }
        StructType schema = new StructType()
                .add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType)
                .add("class_name", DataTypes.StringType).add("width", DataTypes.IntegerType)
                .add("height", DataTypes.IntegerType).add("format", DataTypes.StringType)
                .add("bytes", DataTypes.BinaryType);
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(path);
    }

    static MultiCropSettings augment() {
        Config c = ConfigFactory.parseString("vitssl.augment { global.size = 16, local.count = 2, local.size = 8 }")
                .withFallback(ConfigFactory.defaultReference()).resolve();
        return MultiCropSettings.fromConfig(c);
    }

    static StageSettings settings(String images, String runDir, int tasks, int batch, long maxSteps, int everySteps) {
        return new StageSettings(images, runDir, 7L, 3, batch, tasks, maxSteps, everySteps, 3, 1, 1, 2, 0, 0, 0,
                AllReduceSettings.loopback(Duration.ofSeconds(60)), augment(), "test");
    }

    /** ViT (dim 16, depth 1, patch 4, 16 px) + DINO head (K 32), no drop path: deterministic given the data. */
    static DinoSgdRunner.Factory factory() {
        return new DinoSgdRunner.Factory(16, 1, 2, 4, 16, 0.0, 32, 32, 16, 2, 0.05, 0.9, 0.04, 11L);
    }
}
