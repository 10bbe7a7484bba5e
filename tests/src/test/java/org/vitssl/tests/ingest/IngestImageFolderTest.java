package org.vitssl.tests.ingest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vitssl.tests.ingest.IngestTestSupport.*;

/**
 * ImageFolder train + ImageNet-style flat val with a ground-truth file: the shared label index, RGB
 * decoding of the ImageNet oddities, every bad-file kind, the error threshold, re-encoding, shuffling,
 * and atomic overwrite.
 */
class IngestImageFolderTest {
    @TempDir static Path dir;
    static Path train, val, gt;
    // Class names deliberately not in creation order: the index must be the sorted names.
    static final Map<String, Color> COLORS = Map.of("cat", new Color(30, 200, 30), "ant", new Color(200, 30, 30),
            "dog", new Color(30, 30, 200));

    @BeforeAll
    static void data() throws Exception {
        stopSpark();
        train = dir.resolve("train");
        for (String c : List.of("cat", "dog", "ant")) {
            Color col = COLORS.get(c);
            write(train.resolve(c + "/" + c + "_1.JPEG"), jpeg(64, 48, col));
            write(train.resolve(c + "/" + c + "_2.jpg"), jpeg(48, 64, col));
            write(train.resolve(c + "/" + c + "_3.png"), png(50, 40, col));
            // a PNG carrying a .JPEG name (ImageNet's n02105855_2933.JPEG)
            write(train.resolve(c + "/sub/" + c + "_4_png.JPEG"), png(40, 40, col));
        }
        write(train.resolve("dog/dog_gray.JPEG"), grayJpeg(40, 30, 128));
        write(train.resolve("ant/ant_cmyk.JPEG"), commonFixture("cmyk.jpg"));
        write(train.resolve("cat/.DS_Store"), "hidden files are not part of the dataset".getBytes());
        // the bad files, one of each kind
        write(train.resolve("cat/zero.JPEG"), new byte[0]);
        byte[] good = jpeg(64, 48, COLORS.get("cat"));
        write(train.resolve("cat/truncated.JPEG"), Arrays.copyOf(good, good.length * 2 / 3));
        byte[] goodPng = png(64, 48, COLORS.get("dog"));
        write(train.resolve("dog/truncated.png"), Arrays.copyOf(goodPng, goodPng.length - 12)); // IEND cut off
        write(train.resolve("dog/notes.JPEG"), "<html>not an image</html>".getBytes());
        write(train.resolve("ant/huge.JPEG"), jpeg(300, 200, COLORS.get("ant"))); // 60000 px > max-pixels
        // Flat val: only cat and dog (alone they would sort to 0 and 1; the train index makes them 1 and 2).
        val = dir.resolve("val");
        write(val.resolve("ILSVRC2012_val_00000001.JPEG"), jpeg(64, 48, COLORS.get("dog")));
        write(val.resolve("ILSVRC2012_val_00000002.JPEG"), jpeg(64, 48, COLORS.get("cat")));
        write(val.resolve("ILSVRC2012_val_00000003.JPEG"), png(64, 48, COLORS.get("dog")));
        write(val.resolve("ILSVRC2012_val_00000004.JPEG"), jpeg(64, 48, COLORS.get("cat")));
        write(val.resolve("ILSVRC2012_val_00000005.JPEG"), jpeg(64, 48, COLORS.get("cat"))); // not in the ground truth
        gt = dir.resolve("LOC_val_solution.csv");
        Files.writeString(gt, "ImageId,PredictionString\n"
                + "ILSVRC2012_val_00000001,dog 1 2 3 4\n"
                + "ILSVRC2012_val_00000002,cat 1 2 3 4 cat 5 6 7 8\n"
                + "ILSVRC2012_val_00000003,dog 1 1 1 1\n"
                + "ILSVRC2012_val_00000004,cat 9 9 9 9\n");
    }

    @AfterAll
    static void stop() { stopSpark(); }

    static String[] base(Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("--train.path", q(train), "--train.format", "image-folder",
                "--val.path", q(val), "--val.format", "imagenet-val", "--val.ground-truth", q(gt),
                "--limits.max-pixels", "50000", "--output", q(out)));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void trainAndValShareTheSortedTrainIndexAndBadFilesAreQuarantined() throws Exception {
        Path out = dir.resolve("out-main");
        Run r = ingest(base(out, "--max-error-fraction", "0.5"));
        assertEquals(0, r.rc(), r.all());
        assertTrue(r.out().contains("ingest train: seen 19 = written 14 + quarantined 5"), r.out());
        assertTrue(r.out().contains("ingest val: seen 5 = written 4 + quarantined 1"), r.out());

        List<Row> classes = table(out.resolve("classes")).orderBy("label").collectAsList();
        assertEquals(List.of("ant", "cat", "dog"), classes.stream().map(x -> x.getString(1)).collect(Collectors.toList()));
        assertEquals(List.of(0, 1, 2), classes.stream().map(x -> x.getInt(0)).collect(Collectors.toList()));

        List<Row> rows = table(out.resolve("train")).collectAsList();
        assertEquals(List.of("image_id", "label", "class_name", "width", "height", "format", "bytes"),
                Arrays.asList(table(out.resolve("train")).columns()));
        assertEquals(14, rows.size());
        Map<String, Integer> label = Map.of("ant", 0, "cat", 1, "dog", 2);
        for (Row row : rows) {
            String id = row.getString(0), cls = row.getString(2);
            assertEquals(cls, id.substring(0, id.indexOf('/')), "image_id is the relative path under the class folder");
            assertEquals((int) label.get(cls), row.getInt(1));
            BufferedImage img = decode((byte[]) row.get(6)); // ImageIO: would fail on a CMYK JPEG
            assertEquals(img.getWidth(), row.getInt(3));
            assertEquals(img.getHeight(), row.getInt(4));
            int[] px = rgbAt(img, img.getWidth() / 2, img.getHeight() / 2);
            if (id.endsWith("_gray.JPEG")) {
                assertTrue(near(px, new Color(128, 128, 128), 6), id + " " + Arrays.toString(px));
            } else if (id.endsWith("_cmyk.JPEG")) {
                assertEquals("jpeg", row.getString(5), "CMYK is stored re-encoded as an RGB JPEG");
                assertTrue(near(rgbAt(img, 16, 12), Color.RED, 16) && near(rgbAt(img, 48, 36), Color.WHITE, 16), id);
            } else {
                assertTrue(near(px, COLORS.get(cls), 12), id + " " + Arrays.toString(px));
            }
        }
        Map<String, String> formats = rows.stream().collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(5)));
        assertEquals("png", formats.get("cat/sub/cat_4_png.JPEG"), "format sniffed from the bytes");
        assertEquals("jpeg", formats.get("cat/cat_1.JPEG"));
        assertFalse(formats.containsKey("cat/.DS_Store"));

        Map<String, String> errors = new HashMap<>();
        for (Row e : table(out.resolve("_errors/train")).collectAsList()) {
            assertTrue(e.getString(0).startsWith("file:") && e.getString(0).endsWith(e.getString(1)), e.toString());
            errors.put(e.getString(1), e.getString(2));
        }
        assertEquals(Map.of("cat/zero.JPEG", "zero-bytes", "cat/truncated.JPEG", "truncated", "dog/truncated.png", "truncated",
                "dog/notes.JPEG", "not-an-image", "ant/huge.JPEG", "too-large"), errors);

        Map<String, Integer> valLabels = table(out.resolve("val")).collectAsList().stream()
                .collect(Collectors.toMap(x -> x.getString(0), x -> x.getInt(1)));
        assertEquals(Map.of("ILSVRC2012_val_00000001.JPEG", 2, "ILSVRC2012_val_00000002.JPEG", 1,
                "ILSVRC2012_val_00000003.JPEG", 2, "ILSVRC2012_val_00000004.JPEG", 1), valLabels);
        Row unl = table(out.resolve("_errors/val")).collectAsList().get(0);
        assertEquals("unlabeled", unl.getString(2));

        Config m = ConfigFactory.parseString(manifest(out));
        for (String s : List.of("train", "val")) {
            assertEquals(m.getLong("splits." + s + ".seen"), m.getLong("splits." + s + ".written") + m.getLong("splits." + s + ".quarantined"));
        }
        assertEquals(14, m.getInt("splits.train.written"));
        assertEquals(2, m.getInt("splits.train.errors.truncated"));
        assertEquals(3, m.getInt("classes"));
        assertEquals("none", m.getString("subset.mode"));
        assertEquals(q(train), m.getString("config.train.path"));
        assertTrue(m.hasPath("created_at"));
        assertTrue(Files.isRegularFile(out.resolve("_vitssl.conf")));
    }

    @Test
    void tooManyErrorsFailsAndWritesNothing() throws Exception {
        Path out = dir.resolve("out-strict");
        Run r = ingest(base(out)); // default max-error-fraction 0.01; 5 of 19 are bad
        assertEquals(3, r.rc(), r.all());
        assertTrue(r.out().contains("ingest FAILED train: 5 of 19 files quarantined"), r.out());
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".out-strict")), "no temporary left behind");
        }
    }

    @Test
    void reencodeResizesTheShorterSide() throws Exception {
        Path out = dir.resolve("out-reencode");
        Run r = ingest(base(out, "--max-error-fraction", "0.5", "--reencode.enabled", "true",
                "--reencode.shorter-side", "24", "--reencode.jpeg-quality", "80"));
        assertEquals(0, r.rc(), r.all());
        for (Row row : table(out.resolve("train")).collectAsList()) {
            assertEquals("jpeg", row.getString(5));
            assertEquals(24, Math.min(row.getInt(3), row.getInt(4)), row.getString(0));
            BufferedImage img = decode((byte[]) row.get(6));
            assertEquals(row.getInt(3), img.getWidth());
            if (row.getString(0).equals("cat/cat_1.JPEG")) {
                assertEquals(32, row.getInt(3)); // 64x48 -> 32x24
                assertTrue(near(rgbAt(img, 16, 12), COLORS.get("cat"), 12));
            }
        }
    }

    @Test
    void rowsAreShuffledBySeed() {
        Path a = dir.resolve("out-seed-a"), b = dir.resolve("out-seed-b"), c = dir.resolve("out-seed-c");
        assertEquals(0, ingest(base(a, "--max-error-fraction", "0.5", "--shuffle-seed", "7")).rc());
        assertEquals(0, ingest(base(b, "--max-error-fraction", "0.5", "--shuffle-seed", "7")).rc());
        assertEquals(0, ingest(base(c, "--max-error-fraction", "0.5", "--shuffle-seed", "8")).rc());
        List<String> oa = ids(a), ob = ids(b), oc = ids(c);
        assertEquals(oa, ob, "same seed, same order");
        assertNotEquals(oa, oc, "another seed, another order");
        assertEquals(new TreeSet<>(oa), new TreeSet<>(oc));
        List<String> sorted = new java.util.ArrayList<>(oa);
        java.util.Collections.sort(sorted);
        assertNotEquals(sorted, oa, "not in path order");
    }

    static List<String> ids(Path out) {
        return table(out.resolve("train")).collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toList());
    }

    static Set<String> files(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).map(x -> p.relativize(x).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void existingOutputIsRefusedAndOverwriteReplacesItWhole() throws Exception {
        Path out = dir.resolve("out-overwrite");
        assertEquals(0, ingest(base(out, "--max-error-fraction", "0.5")).rc());
        Set<String> before = files(out);
        String manifestBefore = manifest(out);
        Run again = ingest(base(out, "--max-error-fraction", "0.5", "--subset.mode", "first-n", "--subset.per-class", "1"));
        assertEquals(1, again.rc(), again.all());
        assertTrue(again.err().contains("already exists") && again.err().contains("overwrite"), again.err());
        assertEquals(before, files(out));
        assertEquals(manifestBefore, manifest(out));

        Run over = ingest(base(out, "--max-error-fraction", "0.5", "--subset.mode", "first-n", "--subset.per-class", "1",
                "--overwrite"));
        assertEquals(0, over.rc(), over.all());
        assertEquals(3, table(out.resolve("train")).count());
        Set<String> after = files(out);
        Set<String> oldParts = before.stream().filter(f -> f.contains("part-")).collect(Collectors.toSet());
        for (String f : after) assertFalse(oldParts.contains(f), "old shard " + f + " survived the overwrite");
        assertNotEquals(manifestBefore, manifest(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".out-overwrite")));
        }
    }

    @Test
    void valAloneTakesTheIndexOfAnEarlierTrainOutput() throws Exception {
        Path first = dir.resolve("out-index");
        assertEquals(0, ingest("--train.path", q(train), "--limits.max-pixels", "50000", "--max-error-fraction", "0.5",
                "--output", q(first)).rc());
        Path valOnly = dir.resolve("out-val-only");
        Run r = ingest("--val.path", q(val), "--val.ground-truth", q(gt), "--class-index", q(first), "--output", q(valOnly),
                "--max-error-fraction", "0.5");
        assertEquals(0, r.rc(), r.all());
        assertEquals(List.of("ant", "cat", "dog"), table(valOnly.resolve("classes")).orderBy("label").collectAsList()
                .stream().map(x -> x.getString(1)).collect(Collectors.toList()));
        assertEquals(Set.of(1, 2), table(valOnly.resolve("val")).collectAsList().stream().map(x -> x.getInt(1)).collect(Collectors.toSet()));
        Run noIndex = ingest("--val.path", q(val), "--val.ground-truth", q(gt), "--output", q(dir.resolve("out-x")));
        assertEquals(2, noIndex.rc());
        assertTrue(noIndex.err().contains("vitssl.ingest.class-index"), noIndex.err());
    }
}
