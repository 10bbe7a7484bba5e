package org.vitssl.ingest;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Readers of file inputs (image-folder, imagenet-val). The driver lists only the class directories
 * (or, for a flat validation folder, that one directory); every class directory is listed, subset and
 * read inside its own task, and flat folders are read in tasks of {@code files-per-task} files.
 */
final class FileInputs {
    private FileInputs() {}

    /** A file to read, with its label; {@code label < 0} means no label (quarantined as unlabeled). */
    static final class Entry implements Serializable {
        private static final long serialVersionUID = 1L;
        final String relPath;
        final String fullPath;
        final long length;
        final int label;
        final String className;

        Entry(String relPath, String fullPath, long length, int label, String className) {
            this.relPath = relPath;
            this.fullPath = fullPath;
            this.length = length;
            this.label = label;
            this.className = className;
        }
    }

    /** One class directory to list and read in a task. */
    static final class ClassDir implements Serializable {
        private static final long serialVersionUID = 1L;
        final String name;
        final int label;
        final String path;

        ClassDir(String name, int label, String path) {
            this.name = name;
            this.label = label;
            this.path = path;
        }
    }

    static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    /** Sorted names of the (non-hidden) sub-directories of {@code root}. */
    static List<String> classDirectories(FileSystem fs, Path root) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(root)) {
            if (s.isDirectory() && !hidden(s.getPath().getName())) names.add(s.getPath().getName());
        }
        Collections.sort(names);
        return names;
    }

    /** Image-folder rows: one task per class directory. */
    static JavaRDD<Row> classFolders(JavaSparkContext jsc, SerializableHadoopConf conf, String root, List<String> classes,
                                     ClassIndex index, SubsetRule rule, IngestSettings.Processing p) {
        List<ClassDir> dirs = new ArrayList<>();
        for (String c : classes) dirs.add(new ClassDir(c, index.label(c), new Path(new Path(root), c).toString()));
        return jsc.parallelize(dirs, Math.max(1, dirs.size())).flatMap(d -> {
            FileSystem fs = new Path(d.path).getFileSystem(conf.get());
            Path dir = fs.makeQualified(new Path(d.path));
            String base = dir.toUri().getPath();
            List<Entry> files = new ArrayList<>();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                LocatedFileStatus s = it.next();
                String rel = s.getPath().toUri().getPath().substring(base.length() + 1);
                if (isHiddenPath(rel)) continue;
                files.add(new Entry(d.name + "/" + rel, s.getPath().toString(), s.getLen(), d.label, d.name));
            }
            files.sort(Comparator.comparing(e -> e.relPath));
            return read(fs, rule.select(files, d.name), p);
        });
    }

    /** Flat-folder rows: entries already listed and labelled on the driver. */
    static JavaRDD<Row> entries(JavaSparkContext jsc, SerializableHadoopConf conf, List<Entry> all, int perTask,
                                IngestSettings.Processing p) {
        List<List<Entry>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += perTask) chunks.add(new ArrayList<>(all.subList(i, Math.min(all.size(), i + perTask))));
        return jsc.parallelize(chunks, Math.max(1, chunks.size())).flatMap(chunk -> {
            if (chunk.isEmpty()) return Collections.emptyIterator();
            FileSystem fs = new Path(chunk.get(0).fullPath).getFileSystem(conf.get());
            return read(fs, chunk, p);
        });
    }

    private static boolean isHiddenPath(String rel) {
        for (String part : rel.split("/")) if (hidden(part)) return true;
        return false;
    }

    /** Reads and processes lazily, one file at a time. */
    private static Iterator<Row> read(FileSystem fs, List<Entry> files, IngestSettings.Processing p) {
        ImageProcessor proc = new ImageProcessor(p);
        return new Iterator<>() {
            int i = 0;

            @Override public boolean hasNext() { return i < files.size(); }

            @Override public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                Entry e = files.get(i++);
                if (e.label < 0) {
                    return IngestRows.bad(e.relPath, -1, null, e.fullPath, "unlabeled", "no entry in the ground-truth file");
                }
                if (proc.tooLargeFile(e.length)) return proc.tooLarge(e.relPath, e.label, e.className, e.fullPath, e.length);
                byte[] b = new byte[(int) e.length];
                try (FSDataInputStream in = fs.open(new Path(e.fullPath))) {
                    in.readFully(0, b);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException("cannot read " + e.fullPath, ex);
                }
                return proc.process(e.relPath, e.label, e.className, e.fullPath, b);
            }
        };
    }
}
