package org.vitssl.common.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * An output directory that becomes visible only when complete.
 *
 * <p>Writers write under {@link #tempPath()} (a hidden sibling of the target); {@link #commit()}
 * renames it into place. With overwrite, the old output is first renamed aside and deleted only after
 * the new one is in place, so readers see the old output or the new one, never a mix, and a run killed
 * at any point leaves the previous output intact (plus a hidden leftover that the next run removes).
 * On HDFS and local filesystems the renames are atomic; on S3A a directory rename is a copy, so the
 * target may be briefly incomplete there, but a killed run still never replaces a good output.
 */
public final class AtomicOutput {
    private static final String TMP_MARK = "._tmp-";
    private static final String OLD_MARK = "._old-";

    private final FileSystem fs;
    private final Path target;
    private final Path temp;
    private final boolean overwrite;

    private AtomicOutput(FileSystem fs, Path target, Path temp, boolean overwrite) {
        this.fs = fs;
        this.target = target;
        this.temp = temp;
        this.overwrite = overwrite;
    }

    /**
     * Checks the target and prepares an empty temporary directory beside it.
     *
     * @throws OutputExistsException if the target exists and overwrite is false
     */
    public static AtomicOutput begin(String target, boolean overwrite, Configuration hadoopConf) {
        try {
            Path t = new Path(target);
            FileSystem fs = t.getFileSystem(hadoopConf);
            Path q = fs.makeQualified(t);
            if (fs.exists(q) && !overwrite) {
                throw new OutputExistsException(q.toString());
            }
            Path parent = q.getParent();
            if (parent != null) {
                fs.mkdirs(parent);
                removeLeftovers(fs, parent, q.getName());
            }
            Path tmp = new Path(parent, "." + q.getName() + TMP_MARK + UUID.randomUUID());
            fs.mkdirs(tmp);
            return new AtomicOutput(fs, q, tmp, overwrite);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output " + target, e);
        }
    }

    /** Where to write; a Hadoop path string (qualified, e.g. file:/..., s3a://...). */
    public String tempPath() { return temp.toString(); }

    public String targetPath() { return target.toString(); }

    public FileSystem fileSystem() { return fs; }

    /** Moves the completed temporary directory into place. */
    public void commit() {
        try {
            Path old = null;
            if (fs.exists(target)) {
                if (!overwrite) throw new OutputExistsException(target.toString());
                old = new Path(target.getParent(), "." + target.getName() + OLD_MARK + UUID.randomUUID());
                if (!fs.rename(target, old)) throw new IOException("cannot move old output " + target + " aside");
            }
            if (!fs.rename(temp, target)) {
                if (old != null) fs.rename(old, target);
                throw new IOException("cannot rename " + temp + " to " + target);
            }
            if (old != null) fs.delete(old, true);
        } catch (IOException e) {
            throw new UncheckedIOException("commit of " + target + " failed", e);
        }
    }

    /** Deletes the temporary directory (after a failure). */
    public void abort() {
        try {
            fs.delete(temp, true);
        } catch (IOException ignored) {
            // Best effort: the next run removes leftovers anyway.
        }
    }

    /** Hidden temporaries of earlier killed runs writing to the same target. */
    private static void removeLeftovers(FileSystem fs, Path parent, String name) throws IOException {
        if (!fs.exists(parent)) return;
        for (FileStatus s : fs.listStatus(parent)) {
            String n = s.getPath().getName();
            if (n.startsWith("." + name + TMP_MARK) || n.startsWith("." + name + OLD_MARK)) {
                fs.delete(s.getPath(), true);
            }
        }
    }

    /** The target exists and overwrite was not requested. */
    public static final class OutputExistsException extends RuntimeException {
        public OutputExistsException(String path) {
            super("output " + path + " already exists; set overwrite=true to replace it");
        }
    }
}
