package org.vitssl.tests.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vitssl.jobs.Main;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Test data written with real encoders (ImageIO JPEG/PNG, IDX and CIFAR in their binary layouts) and job runs. */
final class IngestTestSupport {
    private IngestTestSupport() {}

    record Run(int rc, String out, String err) {
        String all() { return out + "\n" + err; }
    }

    /** Runs {@code vitssl ingest ARGS} in this JVM on local[2]. */
    static Run ingest(String... args) {
        List<String> a = new ArrayList<>();
        a.add("ingest");
        a.add("vitssl.spark.master=local[2]");
        a.addAll(Arrays.asList(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc;
        try (PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            rc = Main.run(a.toArray(new String[0]), po, pe);
        }
        Run r = new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("---- ingest " + String.join(" ", args) + " -> " + rc + "\n" + tail(r.all(), 4000));
        return r;
    }

    static String tail(String s, int n) { return s.length() <= n ? s : s.substring(s.length() - n); }

    static SparkSession spark() { return SparkSession.active(); }

    static void stopSpark() {
        SparkSession.getActiveSession().foreach(s -> { s.stop(); return null; });
        SparkSession.getDefaultSession().foreach(s -> { s.stop(); return null; });
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    static Dataset<Row> table(Path p) { return spark().read().parquet(p.toString()); }

    static BufferedImage solid(int w, int h, Color c, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, b)) throw new IOException("no ImageIO writer for " + format);
        return b.toByteArray();
    }

    static byte[] jpeg(int w, int h, Color c) throws IOException {
        return encode(solid(w, h, c, BufferedImage.TYPE_INT_RGB), "jpg");
    }

    static byte[] png(int w, int h, Color c) throws IOException {
        return encode(solid(w, h, c, BufferedImage.TYPE_INT_RGB), "png");
    }

    static byte[] grayJpeg(int w, int h, int level) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, level);
        return encode(img, "jpg");
    }

    /** A fixture of common's test-jar (written by PIL, see common/src/test/python). */
    static byte[] commonFixture(String name) throws IOException {
        try (InputStream in = IngestTestSupport.class.getResourceAsStream("/fixtures/images/" + name)) {
            if (in == null) throw new IOException("missing fixture " + name);
            return in.readAllBytes();
        }
    }

    static void write(Path p, byte[] b) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, b);
    }

    /** Decodes with ImageIO (independent of the code under test); fails on CMYK JPEGs. */
    static BufferedImage decode(byte[] b) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(b));
        if (img == null) throw new IOException("ImageIO cannot decode");
        return img;
    }

    /** RGB at (x, y); a gray image's stored level in all three (not Java's linear-gray colour conversion). */
    static int[] rgbAt(BufferedImage img, int x, int y) {
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            int g = img.getRaster().getSample(x, y, 0);
            return new int[] {g, g, g};
        }
        int v = img.getRGB(x, y);
        return new int[] {(v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF};
    }

    static boolean near(int[] got, Color want, int tol) {
        return Math.abs(got[0] - want.getRed()) <= tol && Math.abs(got[1] - want.getGreen()) <= tol && Math.abs(got[2] - want.getBlue()) <= tol;
    }

    /** IDX images file (magic 0x00000803, n, rows, cols, then n*rows*cols unsigned bytes). */
    static void writeIdxImages(Path p, byte[][] images, int rows, int cols, boolean gzip) throws IOException {
        try (DataOutputStream out = new DataOutputStream(open(p, gzip))) {
            out.writeInt(0x00000803);
            out.writeInt(images.length);
            out.writeInt(rows);
            out.writeInt(cols);
            for (byte[] im : images) out.write(im);
        }
    }

    /** IDX labels file (magic 0x00000801, n, then n unsigned bytes). */
    static void writeIdxLabels(Path p, int[] labels, boolean gzip) throws IOException {
        try (DataOutputStream out = new DataOutputStream(open(p, gzip))) {
            out.writeInt(0x00000801);
            out.writeInt(labels.length);
            for (int l : labels) out.writeByte(l);
        }
    }

    /** CIFAR-10 binary batch: per record 1 label byte, then 1024 R, 1024 G, 1024 B bytes (row-major 32x32). */
    static void writeCifar(Path p, int[] labels, byte[][] rgbPlanar) throws IOException {
        try (OutputStream out = Files.newOutputStream(p)) {
            for (int i = 0; i < labels.length; i++) {
                out.write(labels[i]);
                out.write(rgbPlanar[i]);
            }
        }
    }

    private static OutputStream open(Path p, boolean gzip) throws IOException {
        Files.createDirectories(p.getParent());
        OutputStream o = Files.newOutputStream(p);
        return gzip ? new GZIPOutputStream(o) : o;
    }

    static String manifest(Path out) throws IOException {
        return Files.readString(out.resolve("_manifest.json"));
    }

    static String q(Path p) { return p.toString(); }
}
