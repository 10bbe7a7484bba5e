package org.vitssl.augment.job;

import com.typesafe.config.Config;
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
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropSettings;
import org.vitssl.augment.MultiCropTransform;
import org.vitssl.augment.TestImagesAccess;
import org.vitssl.augment.View;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.job.JobContext;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The augment job on a real ingest-shaped table: partitioning-independent bytes, atomic output, preview. */
class AugmentJobTest {
    static SparkSession spark;
    static Path dir;
    static List<ImageRecord> images;

    @BeforeAll
    static void setUp(@TempDir Path tmp) {
        dir = tmp;
        spark = SparkSession.builder().master("local[2]").appName("augment-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        images = TestImagesAccess.records(10);
        StructType schema = new StructType()
                .add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType)
                .add("class_name", DataTypes.StringType).add("width", DataTypes.IntegerType)
                .add("height", DataTypes.IntegerType).add("format", DataTypes.StringType)
                .add("bytes", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        for (ImageRecord r : images) {
            Rgb8 d = OpenCv.decode(r.bytes());
            rows.add(RowFactory.create(r.imageId(), r.label(), "c" + r.label(), d.width, d.height, "jpeg", r.bytes()));
        }
        rows.add(RowFactory.create("broken.jpg", 1, "c1", 10, 10, "jpeg", TestImagesAccess.corrupt()));
        spark.createDataFrame(rows, schema).repartition(2).write().parquet(dir.resolve("images").toString());
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) spark.stop();
    }

    static Config config(String... kv) {
        List<String> o = new ArrayList<>(List.of("spark.master=\"local[2]\"", "augment.global.size=24",
                "augment.local.size=12", "augment.local.count=2", "augment.job.input=\"" + dir.resolve("images") + "\"",
                "augment.job.seed=11", "augment.job.epochs=[0, 3]"));
        o.addAll(List.of(kv));
        return VitsslConfig.load(null, o);
    }

    static String run(Config c) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        assertEquals(0, new AugmentJob().run(new JobContext(c, List.of(), new PrintStream(bo, true))));
        return bo.toString();
    }

    static List<Row> sorted(String path) {
        return spark.read().parquet(path).orderBy("image_id", "epoch", "view").collectAsList();
    }

    @Test
    void viewsDoNotDependOnPartitioning() throws Exception {
        String a = dir.resolve("views-1").toString(), b = dir.resolve("views-3").toString();
        String log = run(config("augment.job.output=\"" + a + "\"", "augment.job.partitions=1"));
        assertTrue(log.contains("1 corrupt images skipped"), log);
        run(config("augment.job.output=\"" + b + "\"", "augment.job.partitions=3"));
        List<Row> ra = sorted(a), rb = sorted(b);
        assertEquals(10 * 2 * 4, ra.size()); // 10 good images x 2 epochs x (2 + 2) views
        assertEquals(ra.size(), rb.size());
        for (int i = 0; i < ra.size(); i++) {
            for (int c = 0; c < 7; c++) assertEquals(ra.get(i).get(c), rb.get(i).get(c));
            assertArrayEquals((byte[]) ra.get(i).get(7), (byte[]) rb.get(i).get(7));
        }
        Dataset<Row> t = spark.read().parquet(a);
        assertEquals(List.of("image_id", "label", "epoch", "view", "kind", "height", "width", "pixels"), List.of(t.columns()));
        // The same bytes as the on-the-fly transform (what the loader feeds training).
        MultiCropSettings s = MultiCropSettings.fromConfig(config());
        ImageRecord r = images.get(4);
        List<View> views = new MultiCropTransform(s).apply(OpenCv.decode(r.bytes()), 11, 3, r.imageId());
        List<Row> mine = t.where("image_id = '" + r.imageId() + "' and epoch = 3").orderBy("view").collectAsList();
        assertEquals(4, mine.size());
        for (int v = 0; v < 4; v++) {
            Row row = mine.get(v);
            assertEquals(v < 2 ? "global" : "local", row.getString(4));
            assertEquals(v < 2 ? 24 : 12, row.getInt(5));
            assertEquals(r.label(), row.getInt(1));
            assertArrayEquals(views.get(v).pixels().data, (byte[]) row.get(7));
        }
        assertTrue(new File(a, "_vitssl.conf").isFile());
        // No overwrite by default; nothing half-written.
        assertThrows(AtomicOutput.OutputExistsException.class, () -> run(config("augment.job.output=\"" + a + "\"")));
    }

    @Test
    void previewWritesAContactSheet() throws Exception {
        Path png = dir.resolve("sheet.png");
        String log = run(config("augment.preview=true", "augment.preview-output=\"" + png + "\"",
                "augment.preview-image-id=img-004", "augment.preview-cell=40"));
        assertTrue(log.contains("img-004"), log);
        Rgb8 sheet = OpenCv.decode(Files.readAllBytes(png));
        assertEquals(2 * 40 + 3 * 6, sheet.height);
        assertTrue(sheet.width > 3 * 40);
        Path keep = Path.of(System.getProperty("user.dir"), "target", "augment-preview-test.png");
        Files.copy(png, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void badInputIsReportedClearly() {
        Exception e = assertThrows(Exception.class, () -> new AugmentJob().validate(config("augment.job.output=\"\"")));
        assertTrue(e.getMessage().contains("vitssl.augment.job.output"), e.getMessage());
        e = assertThrows(Exception.class, () -> new AugmentJob().validate(config("augment.job.output=x", "augment.job.epochs=[]")));
        assertTrue(e.getMessage().contains("vitssl.augment.job.epochs"), e.getMessage());
    }
}
