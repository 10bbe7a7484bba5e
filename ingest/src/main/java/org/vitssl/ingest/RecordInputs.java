package org.vitssl.ingest;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.opencv.core.Mat;
import org.vitssl.common.image.ImageCodec;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;

/**
 * Readers of record inputs: IDX (MNIST / Fashion-MNIST: big-endian header, unsigned bytes, gzipped or
 * not, detected from the bytes) and CIFAR-10 binary batches (records of 1 label byte + 3072 bytes of
 * R, G, B planes of 32x32). A first Spark job reads only the labels (one task per file); the driver
 * chooses the subset from them; a second job reads the selected records in tasks of
 * {@code records-per-task}, each opening its file and skipping to its range.
 */
final class RecordInputs {
    static final int CIFAR_SIDE = 32;
    static final int CIFAR_RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;

    private RecordInputs() {}

    /** One record file with its geometry and (after the label scan) its labels. */
    static final class RecordFile implements Serializable {
        private static final long serialVersionUID = 1L;
        final String path;
        final String name;
        final boolean cifar;
        final int header;      // bytes before the first record
        final int recordBytes; // bytes per record
        final int width, height;
        final int count;
        int[] labels;

        RecordFile(String path, String name, boolean cifar, int header, int recordBytes, int width, int height, int count) {
            this.path = path;
            this.name = name;
            this.cifar = cifar;
            this.header = header;
            this.recordBytes = recordBytes;
            this.width = width;
            this.height = height;
            this.count = count;
        }

        String imageId(int n) { return cifar ? name + ":" + n : "idx:" + n; }
    }

    /** A range of one file's records to read: the selected record numbers and their labels. */
    static final class Task implements Serializable {
        private static final long serialVersionUID = 1L;
        final RecordFile file;
        final int[] ids;
        final int[] labels;

        Task(RecordFile file, int[] ids, int[] labels) {
            this.file = file;
            this.ids = ids;
            this.labels = labels;
        }
    }

    static InputStream open(FileSystem fs, String path) throws IOException {
        BufferedInputStream in = new BufferedInputStream(fs.open(new Path(path)), 1 << 16);
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        return in;
    }

    /** Reads an IDX header: returns the dimensions; checks the unsigned-byte type and the rank. */
    static int[] idxHeader(FileSystem fs, String path, int rank) throws IOException {
        try (DataInputStream in = new DataInputStream(open(fs, path))) {
            int magic = in.readInt();
            if ((magic >>> 16) != 0 || ((magic >> 8) & 0xFF) != 0x08) {
                throw new IOException(path + " is not an IDX file of unsigned bytes (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int r = magic & 0xFF;
            if (r != rank) throw new IOException(path + " has " + r + " dimensions, expected " + rank);
            int[] dims = new int[r];
            for (int i = 0; i < r; i++) dims[i] = in.readInt();
            return dims;
        }
    }

    /** The IDX images file and its labels file. */
    static RecordFile idx(FileSystem fs, String images, String labels) throws IOException {
        int[] d = idxHeader(fs, images, 3);
        int[] l = idxHeader(fs, labels, 1);
        if (d[0] != l[0]) throw new IOException(images + " has " + d[0] + " images but " + labels + " has " + l[0] + " labels");
        return new RecordFile(images, new Path(images).getName(), false, 16, d[1] * d[2], d[2], d[1], d[0]);
    }

    /** CIFAR-10 batch files matching a path or glob, sorted by name. */
    static List<RecordFile> cifar(FileSystem fs, String glob) throws IOException {
        FileStatus[] st = fs.globStatus(new Path(glob));
        List<RecordFile> out = new ArrayList<>();
        if (st == null) return out;
        Arrays.sort(st, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
        for (FileStatus s : st) {
            if (!s.isFile()) continue;
            if (s.getLen() % CIFAR_RECORD != 0 || s.getLen() == 0) {
                throw new IOException(s.getPath() + " is not a CIFAR-10 binary batch: " + s.getLen()
                        + " bytes is not a multiple of " + CIFAR_RECORD);
            }
            out.add(new RecordFile(s.getPath().toString(), s.getPath().getName(), true, 0, CIFAR_RECORD,
                    CIFAR_SIDE, CIFAR_SIDE, (int) (s.getLen() / CIFAR_RECORD)));
        }
        return out;
    }

    /** First job: labels of every file, read in tasks (IDX: the labels file; CIFAR: byte 0 of each record). */
    static void scanLabels(JavaSparkContext jsc, SerializableHadoopConf conf, List<RecordFile> files, String idxLabels) {
        List<int[]> labels = jsc.parallelize(files, Math.max(1, files.size())).map(f -> {
            FileSystem fs = new Path(f.path).getFileSystem(conf.get());
            int[] l = new int[f.count];
            if (f.cifar) {
                try (DataInputStream in = new DataInputStream(open(fs, f.path))) {
                    byte[] rec = new byte[f.recordBytes];
                    for (int i = 0; i < f.count; i++) {
                        in.readFully(rec);
                        l[i] = rec[0] & 0xFF;
                    }
                }
            } else {
                try (DataInputStream in = new DataInputStream(open(fs, idxLabels))) {
                    in.skipNBytes(8);
                    byte[] b = new byte[f.count];
                    in.readFully(b);
                    for (int i = 0; i < f.count; i++) l[i] = b[i] & 0xFF;
                }
            }
            return l;
        }).collect();
        for (int i = 0; i < files.size(); i++) files.get(i).labels = labels.get(i);
    }

    /** Per-class subset over all files (record order), then tasks of at most {@code perTask} records. */
    static List<Task> plan(List<RecordFile> files, ClassIndex index, SubsetRule rule, int perTask) {
        // keys: file number * 2^32 + record number, in file then record order
        List<List<Long>> perClass = new ArrayList<>();
        for (int c = 0; c < index.size(); c++) perClass.add(new ArrayList<>());
        for (int f = 0; f < files.size(); f++) {
            int[] l = files.get(f).labels;
            for (int i = 0; i < l.length; i++) {
                if (l[i] >= index.size()) {
                    throw new IllegalArgumentException(files.get(f).path + " record " + i + " has label " + l[i]
                            + " but the class index has only " + index.size() + " classes");
                }
                perClass.get(l[i]).add(((long) f << 32) | i);
            }
        }
        List<long[]> keep = new ArrayList<>();
        long[] all;
        int total = 0;
        for (int c = 0; c < index.size(); c++) {
            List<Long> sel = rule.select(perClass.get(c), index.name(c));
            long[] a = new long[sel.size()];
            for (int i = 0; i < a.length; i++) a[i] = sel.get(i);
            keep.add(a);
            total += a.length;
        }
        all = new long[total];
        int k = 0;
        for (long[] a : keep) { System.arraycopy(a, 0, all, k, a.length); k += a.length; }
        Arrays.sort(all);
        List<Task> tasks = new ArrayList<>();
        int i = 0;
        while (i < all.length) {
            int f = (int) (all[i] >>> 32);
            int rangeStart = ((int) all[i] / perTask) * perTask;
            int j = i;
            while (j < all.length && (int) (all[j] >>> 32) == f && (int) all[j] < rangeStart + perTask) j++;
            int[] ids = new int[j - i], labels = new int[j - i];
            for (int t = i; t < j; t++) {
                ids[t - i] = (int) all[t];
                labels[t - i] = files.get(f).labels[ids[t - i]];
            }
            tasks.add(new Task(files.get(f), ids, labels));
            i = j;
        }
        return tasks;
    }

    /** Second job: reads the selected records and encodes them. */
    static JavaRDD<Row> rows(JavaSparkContext jsc, SerializableHadoopConf conf, List<Task> tasks, ClassIndex index,
                             IngestSettings.Processing p) {
        return jsc.parallelize(tasks, Math.max(1, tasks.size())).flatMap(t -> {
            FileSystem fs = new Path(t.file.path).getFileSystem(conf.get());
            DataInputStream in = new DataInputStream(open(fs, t.file.path));
            in.skipNBytes(t.file.header + (long) t.ids[0] * t.file.recordBytes);
            ImageProcessor proc = new ImageProcessor(p);
            byte[] rec = new byte[t.file.recordBytes];
            return new Iterator<Row>() {
                int k = 0, pos = t.ids[0];

                @Override public boolean hasNext() {
                    if (k < t.ids.length) return true;
                    try { in.close(); } catch (IOException ignored) { /* read-only */ }
                    return false;
                }

                @Override public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    int id = t.ids[k];
                    int label = t.labels[k++];
                    try {
                        in.skipNBytes((long) (id - pos) * t.file.recordBytes);
                        in.readFully(rec);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("cannot read record " + id + " of " + t.file.path, e);
                    }
                    pos = id + 1;
                    Mat m = t.file.cifar ? ImageCodec.fromRgbPlanar(rec, 1, t.file.width, t.file.height)
                            : ImageCodec.fromGray(rec, 0, t.file.width, t.file.height);
                    return proc.processRecord(t.file.imageId(id), label, index.name(label), t.file.path + "#" + id, m);
                }
            };
        });
    }
}
