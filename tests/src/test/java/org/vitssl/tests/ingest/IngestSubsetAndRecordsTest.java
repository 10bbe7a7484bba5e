package org.vitssl.tests.ingest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vitssl.tests.ingest.IngestTestSupport.*;

/** Every subset mode, and the record formats (IDX gzipped and raw, CIFAR-10 batches, real Fashion-MNIST). */
class IngestSubsetAndRecordsTest {
    @TempDir static Path dir;
    static Path tree;
    static final int PER_CLASS = 10;

    @BeforeAll
    static void data() throws Exception {
        stopSpark();
        tree = dir.resolve("tree");
        // Files written in a shuffled order, so that sorted path order is not creation order.
        List<String> names = new ArrayList<>();
        for (String c : List.of("c1", "c0", "c2")) for (int i = 0; i < PER_CLASS; i++) names.add(c + "/img" + i + ".png");
        Collections.shuffle(names, new Random(3));
        for (String n : names) write(tree.resolve(n), png(8, 8, new Color(n.hashCode() & 0xFFFFFF)));
        write(tree.resolve("c2/sub/a.png"), png(8, 8, Color.BLACK)); // sorts after c2/img9.png ('s' > 'i')
    }

    @AfterAll
    static void stop() { stopSpark(); }

    static Map<String, List<String>> idsByClass(Path out) {
        Map<String, List<String>> m = new TreeMap<>();
        for (Row r : table(out.resolve("train")).collectAsList()) m.computeIfAbsent(r.getString(2), k -> new ArrayList<>()).add(r.getString(0));
        m.values().forEach(Collections::sort);
        return m;
    }

    static Path subset(String name, String... args) {
        Path out = dir.resolve(name);
        List<String> a = new ArrayList<>(List.of("--train.path", q(tree), "--output", q(out)));
        a.addAll(List.of(args));
        Run r = ingest(a.toArray(new String[0]));
        assertEquals(0, r.rc(), r.all());
        return out;
    }

    @Test
    void firstNPerClassInSortedPathOrder() throws Exception {
        Path out = subset("first-n", "--subset.mode", "first-n", "--subset.per-class", "3");
        Map<String, List<String>> m = idsByClass(out);
        assertEquals(List.of("c0/img0.png", "c0/img1.png", "c0/img2.png"), m.get("c0"));
        assertEquals(List.of("c1/img0.png", "c1/img1.png", "c1/img2.png"), m.get("c1"));
        assertEquals(List.of("c2/img0.png", "c2/img1.png", "c2/img2.png"), m.get("c2"));
        Config man = ConfigFactory.parseString(manifest(out));
        assertEquals("first-n", man.getString("subset.mode"));
        assertEquals(3, man.getInt("subset.per_class"));
        assertEquals(List.of("train"), man.getStringList("subset.splits"));
        // More than a class holds: the whole class.
        Map<String, List<String>> all = idsByClass(subset("first-n-big", "--subset.mode", "first-n", "--subset.per-class", "50"));
        assertEquals(PER_CLASS + 1, all.get("c2").size());
    }

    @Test
    void fractionPerClass() throws Exception {
        // c0, c1: round(0.35 * 10) = 4; c2 has 11 files: round(3.85) = 4.
        Path out = subset("fraction", "--subset.mode", "fraction", "--subset.fraction", "0.35");
        Map<String, List<String>> m = idsByClass(out);
        assertEquals(List.of("c0/img0.png", "c0/img1.png", "c0/img2.png", "c0/img3.png"), m.get("c0"));
        assertEquals(4, m.get("c2").size());
        assertEquals(0.35, ConfigFactory.parseString(manifest(out)).getDouble("subset.fraction"));
    }

    @Test
    void seededRandomNPerClass() throws Exception {
        Map<String, List<String>> a = idsByClass(subset("random-a", "--subset.mode", "random-n", "--subset.per-class", "4", "--subset.seed", "1"));
        Map<String, List<String>> b = idsByClass(subset("random-b", "--subset.mode", "random-n", "--subset.per-class", "4", "--subset.seed", "1"));
        Path cOut = subset("random-c", "--subset.mode", "random-n", "--subset.per-class", "4", "--subset.seed", "2");
        Map<String, List<String>> c = idsByClass(cOut);
        assertEquals(a, b, "same seed, same subset");
        assertNotEquals(a, c, "another seed, another subset");
        for (String k : List.of("c0", "c1", "c2")) {
            assertEquals(4, a.get(k).size());
            assertEquals(4, new TreeSet<>(a.get(k)).size());
            for (String id : a.get(k)) assertTrue(id.startsWith(k + "/"));
        }
        List<String> firstFour = List.of("c0/img0.png", "c0/img1.png", "c0/img2.png", "c0/img3.png");
        assertTrue(!a.get("c0").equals(firstFour) || !a.get("c1").equals(firstFour.stream().map(s -> s.replace("c0", "c1")).collect(Collectors.toList())),
                "a random subset is not the first images of every class");
        Config man = ConfigFactory.parseString(manifest(cOut));
        assertEquals("random-n", man.getString("subset.mode"));
        assertEquals(2, man.getInt("subset.seed"));
    }

    static byte[][] randomImages(int n, int size, long seed) {
        Random r = new Random(seed);
        byte[][] im = new byte[n][size];
        for (byte[] b : im) r.nextBytes(b);
        return im;
    }

    @Test
    void idxGzippedAndRawWithNumericLabelsKept() throws Exception {
        int rows = 5, cols = 4;
        byte[][] trainImg = randomImages(23, rows * cols, 1), valImg = randomImages(7, rows * cols, 2);
        int[] trainLab = new int[23], valLab = new int[7];
        for (int i = 0; i < 23; i++) trainLab[i] = (i * 7) % 3;
        for (int i = 0; i < 7; i++) valLab[i] = i % 3;
        Path d = dir.resolve("idx");
        writeIdxImages(d.resolve("train-images-idx3-ubyte.gz"), trainImg, rows, cols, true);
        writeIdxLabels(d.resolve("train-labels-idx1-ubyte.gz"), trainLab, true);
        writeIdxImages(d.resolve("t10k-images-idx3-ubyte"), valImg, rows, cols, false);
        writeIdxLabels(d.resolve("t10k-labels-idx1-ubyte"), valLab, false);
        Path out = dir.resolve("out-idx");
        Run r = ingest("--train.format", "idx", "--train.path", q(d.resolve("train-images-idx3-ubyte.gz")),
                "--train.labels", q(d.resolve("train-labels-idx1-ubyte.gz")),
                "--val.format", "idx", "--val.path", q(d.resolve("t10k-images-idx3-ubyte")),
                "--val.labels", q(d.resolve("t10k-labels-idx1-ubyte")),
                "ingest.class-names=[zero, one, two]", "--records-per-task", "5", "--output", q(out));
        assertEquals(0, r.rc(), r.all());
        assertTrue(r.out().contains("ingest train: seen 23 = written 23 + quarantined 0"), r.out());
        assertEquals(List.of("zero", "one", "two"), table(out.resolve("classes")).orderBy("label").collectAsList()
                .stream().map(x -> x.getString(1)).collect(Collectors.toList()));
        checkIdx(out.resolve("train"), trainImg, trainLab, rows, cols, List.of("zero", "one", "two"));
        checkIdx(out.resolve("val"), valImg, valLab, rows, cols, List.of("zero", "one", "two"));
    }

    static void checkIdx(Path table, byte[][] img, int[] lab, int rows, int cols, List<String> names) throws Exception {
        List<Row> got = table(table).collectAsList();
        assertEquals(img.length, got.size());
        for (Row r : got) {
            int n = Integer.parseInt(r.getString(0).substring("idx:".length()));
            assertEquals(lab[n], r.getInt(1));
            assertEquals(names.get(lab[n]), r.getString(2));
            assertEquals("png", r.getString(5));
            BufferedImage bi = decode((byte[]) r.get(6));
            assertEquals(cols, bi.getWidth());
            assertEquals(rows, bi.getHeight());
            byte[] px = new byte[rows * cols];
            for (int y = 0; y < rows; y++) for (int x = 0; x < cols; x++) px[y * cols + x] = (byte) bi.getRaster().getSample(x, y, 0);
            assertArrayEquals(img[n], px, "pixels of " + r.getString(0));
        }
    }

    @Test
    void cifar10BatchesWithMetaClassNames() throws Exception {
        Path d = dir.resolve("cifar-10-batches-bin");
        Files.createDirectories(d);
        Files.writeString(d.resolve("batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        Map<String, byte[][]> pixels = new HashMap<>();
        Map<String, int[]> labels = new HashMap<>();
        int k = 0;
        for (String f : List.of("data_batch_1.bin", "data_batch_2.bin", "test_batch.bin")) {
            byte[][] px = randomImages(6, 3072, 10 + k);
            int[] l = new int[6];
            for (int i = 0; i < 6; i++) l[i] = (i * 3 + k) % 10;
            writeCifar(d.resolve(f), l, px);
            pixels.put(f, px);
            labels.put(f, l);
            k++;
        }
        Path out = dir.resolve("out-cifar");
        Run r = ingest("--train.format", "cifar10", "--train.path", q(d) + "/data_batch_*.bin",
                "--val.format", "cifar10", "--val.path", q(d.resolve("test_batch.bin")), "--output", q(out));
        assertEquals(0, r.rc(), r.all());
        assertTrue(r.out().contains("ingest train: seen 12 = written 12"), r.out());
        assertEquals("truck", table(out.resolve("classes")).filter("label = 9").collectAsList().get(0).getString(1));
        List<Row> rows = new ArrayList<>(table(out.resolve("train")).collectAsList());
        rows.addAll(table(out.resolve("val")).collectAsList());
        assertEquals(18, rows.size());
        List<String> names = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
        for (Row row : rows) {
            String[] id = row.getString(0).split(":");
            int n = Integer.parseInt(id[1]);
            byte[] planar = pixels.get(id[0])[n];
            assertEquals(labels.get(id[0])[n], row.getInt(1));
            assertEquals(names.get(row.getInt(1)), row.getString(2));
            BufferedImage bi = decode((byte[]) row.get(6));
            assertEquals(32, bi.getWidth());
            for (int y = 0; y < 32; y += 7) {
                for (int x = 0; x < 32; x += 5) {
                    int[] rgb = rgbAt(bi, x, y);
                    int i = y * 32 + x;
                    assertArrayEquals(new int[] {planar[i] & 0xFF, planar[1024 + i] & 0xFF, planar[2048 + i] & 0xFF}, rgb,
                            row.getString(0) + " at " + x + "," + y);
                }
            }
        }
    }

    /** Real data: Fashion-MNIST from the Debian package, first 50 per class (checked against the labels file read here). */
    @Test
    void realFashionMnistFirstNPerClass() throws Exception {
        Path fm = Path.of("/usr/share/datasets/fashion-mnist");
        Assumptions.assumeTrue(Files.isRegularFile(fm.resolve("train-labels-idx1-ubyte.gz")), "dataset-fashion-mnist is not installed");
        Path out = dir.resolve("out-fashion");
        Run r = ingest("-c", q(Path.of(System.getProperty("vitssl.repo.root"), "conf/ingest-fashion-mnist.conf")),
                "--output", q(out), "--val.path", "", "--subset.mode", "first-n", "--subset.per-class", "50");
        assertEquals(0, r.rc(), r.all());
        assertTrue(r.out().contains("ingest train: seen 500 = written 500 + quarantined 0"), r.out());
        int[] labels;
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(fm.resolve("train-labels-idx1-ubyte.gz"))))) {
            in.readInt();
            labels = new int[in.readInt()];
            for (int i = 0; i < labels.length; i++) labels[i] = in.readUnsignedByte();
        }
        Set<String> expected = new TreeSet<>();
        int[] taken = new int[10];
        for (int i = 0; i < labels.length; i++) if (taken[labels[i]]++ < 50) expected.add("idx:" + i);
        List<Row> rows = table(out.resolve("train")).collectAsList();
        assertEquals(expected, rows.stream().map(x -> x.getString(0)).collect(Collectors.toCollection(TreeSet::new)));
        Row boot = rows.stream().filter(x -> x.getInt(1) == 9).findFirst().orElseThrow();
        assertEquals("Ankle boot", boot.getString(2));
        assertEquals(28, decode((byte[]) boot.get(6)).getWidth());
    }
}
