package org.vitssl.pretrain.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.io.HadoopFiles;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stage's checkpoints, {@code <run>/checkpoints/step-<n>/}, on any Hadoop filesystem (local, HDFS, S3A).
 * Written by rank 0 only: the runner's files go into a hidden temporary directory that is renamed into place
 * ({@link AtomicOutput}), and only then is {@value #POSITION} written into it. A directory counts only when it
 * holds that marker, so a writer killed at any point (or an S3A rename, which copies file by file, cut short)
 * never yields a checkpoint that a retried stage would load.
 */
public final class StageCheckpoints {
    public static final String POSITION = "position.properties";
    private static final Pattern DIR = Pattern.compile("step-(\\d+)");

    private final String root;
    private final int keep;
    private final Configuration conf;

    public StageCheckpoints(String runDir, int keep, Configuration conf) {
        this.root = new Path(runDir, "checkpoints").toString();
        this.keep = keep;
        this.conf = conf;
    }

    public String root() { return root; }

    /** A complete checkpoint. */
    public record Entry(Position position, String dir) {}

    /** Writes the runner's state at {@code p}; returns the directory. Keeps the newest {@code keep}. */
    public String write(StepRunner runner, Position p, String configText) {
        String target = new Path(root, "step-" + p.step()).toString();
        AtomicOutput out = AtomicOutput.begin(target, true, conf);
        try {
            runner.save(out.tempPath(), p, conf);
            HadoopFiles.writeString(new Path(out.tempPath(), "config.conf").toString(), configText, conf);
            out.commit();
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
        String text = "step=" + p.step() + "\nepoch=" + p.epoch() + "\nbatch-in-epoch=" + p.batchInEpoch() + "\n";
        HadoopFiles.writeString(new Path(out.targetPath(), POSITION).toString(), text, conf);
        prune();
        return out.targetPath();
    }

    /** Complete checkpoints, oldest first. */
    public List<Entry> list() {
        try {
            Path r = new Path(root);
            FileSystem fs = r.getFileSystem(conf);
            List<Entry> l = new ArrayList<>();
            if (!fs.exists(r)) return l;
            for (FileStatus s : fs.listStatus(r)) {
                Matcher m = DIR.matcher(s.getPath().getName());
                if (!s.isDirectory() || !m.matches()) continue;
                Path marker = new Path(s.getPath(), POSITION);
                if (!fs.exists(marker)) continue;
                l.add(new Entry(parse(HadoopFiles.readString(marker.toString(), conf), marker.toString()), s.getPath().toString()));
            }
            l.sort(Comparator.comparingLong(e -> e.position().step()));
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints under " + root, e);
        }
    }

    public Optional<Entry> latest() {
        List<Entry> l = list();
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(l.size() - 1));
    }

    private void prune() {
        List<Entry> l = list();
        for (int i = 0; i < l.size() - keep; i++) {
            try {
                Path p = new Path(l.get(i).dir());
                p.getFileSystem(conf).delete(p, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete old checkpoint " + l.get(i).dir(), e);
            }
        }
    }

    static Position parse(String text, String source) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
            return new Position(Long.parseLong(p.getProperty("step")), Integer.parseInt(p.getProperty("epoch")),
                    Integer.parseInt(p.getProperty("batch-in-epoch")));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable checkpoint position " + source + ": " + e.getMessage(), e);
        }
    }
}
