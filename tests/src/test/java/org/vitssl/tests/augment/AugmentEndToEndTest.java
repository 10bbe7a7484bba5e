package org.vitssl.tests.augment;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.jobs.Main;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `vitssl augment` as a user runs it (through the launcher's Main, flags and a preset), on real photographs
 * of python3-skimage (colour and greyscale PNGs) plus a corrupt row.
 */
class AugmentEndToEndTest {
    static final String[] PHOTOS = {"chelsea.png", "coffee.png", "astronaut.png", "camera.png", "coins.png"};
    static SparkSession spark;
    static Path dir;

    @BeforeAll
    static void setUp(@TempDir Path tmp) throws Exception {
        dir = tmp;
        spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        File data = new File("/usr/lib/python3/dist-packages/skimage/data");
        StructType schema = new StructType().add("image_id", DataTypes.StringType).add("label", DataTypes.IntegerType)
                .add("class_name", DataTypes.StringType).add("width", DataTypes.IntegerType)
                .add("height", DataTypes.IntegerType).add("format", DataTypes.StringType).add("bytes", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < PHOTOS.length; i++) {
            byte[] b = Files.readAllBytes(new File(data, PHOTOS[i]).toPath());
            Rgb8 img = OpenCv.decode(b);
            rows.add(RowFactory.create("skimage/" + PHOTOS[i], i % 2, "c" + (i % 2), img.width, img.height, "png", b));
        }
        rows.add(RowFactory.create("skimage/truncated.png", 0, "c0", 1, 1, "png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
        spark.createDataFrame(rows, schema).write().parquet(dir.resolve("images").toString());
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) spark.stop();
    }

    static String main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(0, rc, out + "\n" + err);
        return out.toString();
    }

    @Test
    void materialisesViewsAndPreviews() throws Exception {
        String preset = new File(System.getProperty("vitssl.repo.root", ".."), "conf/augment/attmask-20pct.conf").getPath();
        String views = dir.resolve("views").toString();
        String log = main("augment", "-c", preset, "spark.master=\"local[2]\"", "--global.size", "48", "--local.size", "24",
                "--job.input", dir.resolve("images").toString(), "--job.output", views, "--job.epochs", "[2]",
                "--job.partitions", "3");
        assertTrue(log.contains("1 corrupt images skipped"), log);
        List<Row> rows = spark.read().parquet(views).orderBy("image_id", "view").collectAsList();
        assertEquals(5 * 8, rows.size()); // attmask-20pct: 2 global + 6 local
        for (Row r : rows) {
            int v = r.getInt(r.fieldIndex("view"));
            int side = v < 2 ? 48 : 24;
            assertEquals(side, r.getInt(r.fieldIndex("height")));
            assertEquals(v < 2 ? "global" : "local", r.getString(r.fieldIndex("kind")));
            assertEquals(2, r.getInt(r.fieldIndex("epoch")));
            assertEquals(side * side * 3, ((byte[]) r.get(r.fieldIndex("pixels"))).length);
        }
        // Grey photographs stay grey in every view (R = G = B).
        for (Row r : rows) {
            if (!r.getString(0).contains("camera")) continue;
            byte[] p = (byte[]) r.get(r.fieldIndex("pixels"));
            for (int i = 0; i < p.length; i += 3) assertTrue(p[i] == p[i + 1] && p[i] == p[i + 2]);
        }
        // A second run with other partitioning gives the same bytes.
        String again = dir.resolve("views-again").toString();
        main("augment", "-c", preset, "spark.master=\"local[2]\"", "--global.size", "48", "--local.size", "24",
                "--job.input", dir.resolve("images").toString(), "--job.output", again, "--job.epochs", "[2]");
        List<Row> rows2 = spark.read().parquet(again).orderBy("image_id", "view").collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            assertArrayEquals((byte[]) rows.get(i).get(7), (byte[]) rows2.get(i).get(7));
        }

        Path png = dir.resolve("sheet.png");
        String pv = main("augment", "--preview", "--job.input", dir.resolve("images").toString(), "spark.master=\"local[2]\"",
                "--preview-output", png.toString(), "--preview-image-id", "skimage/coffee.png", "--preview-cell", "64");
        assertTrue(pv.contains("skimage/coffee.png"), pv);
        Rgb8 sheet = OpenCv.decode(Files.readAllBytes(png));
        assertEquals(6 + 64 + 6 + 64 + 6, sheet.height);
    }

    @Test
    void impossibleCropIsRejectedWithTheKey() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"augment", "--job.input", "x", "--job.output", "y", "--local.scale", "[0.5,0.1]"},
                new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(2, rc);
        assertTrue(err.toString().contains("vitssl.augment.local.scale"), err.toString());
    }
}
