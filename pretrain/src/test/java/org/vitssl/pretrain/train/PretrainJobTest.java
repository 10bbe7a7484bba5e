package org.vitssl.pretrain.train;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.augment.ImageRecord;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.common.job.JobContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pretrain job end to end on a tiny images table (Parquet written by Spark, ingest schema columns). */
class PretrainJobTest {
    @Test
    void trainsFromAnImagesTableAndWritesCheckpoints(@TempDir Path tmp) throws Exception {
        Path table = tmp.resolve("images");
        List<ImageRecord> imgs = VitSslTaskTest.images(8);
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            StructType schema = new StructType().add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType)
                    .add("bytes", DataTypes.BinaryType);
            List<Row> rows = new ArrayList<>();
            for (ImageRecord r : imgs) rows.add(RowFactory.create(r.imageId(), r.label(), r.bytes()));
            Dataset<Row> df = spark.createDataFrame(rows, schema);
            df.write().parquet(table.toString());
            Path run = tmp.resolve("run");
            List<String> o = VitSslTaskTest.tiny(run, "pretrain.method=ibot", "pretrain.images=\"" + table + "\"",
                    "pretrain.epochs=1", "pretrain.optimizer.warmup-epochs=0", "spark.master=\"local[2]\"");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PretrainJob job = new PretrainJob();
            int rc = job.run(new JobContext(VitsslConfig.load(null, o), List.of(), new PrintStream(out, true, StandardCharsets.UTF_8)));
            assertEquals(0, rc, out.toString());
            String log = out.toString(StandardCharsets.UTF_8);
            assertTrue(log.contains("pretrain: 8 images"), log);
            assertTrue(log.contains("pretrain: done, 2 steps"), log);
            assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-2/teacher_backbone.safetensors")));
            assertTrue(Files.readString(run.resolve("checkpoints/step-2/config.conf")).contains("method = ibot")
                    || Files.readString(run.resolve("checkpoints/step-2/config.conf")).contains("method=ibot"));
            assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        } finally {
            spark.stop();
        }
    }
}
