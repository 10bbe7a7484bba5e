package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.vitssl.common.io.HadoopFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code <run>/checkpoints/step-<n>/} (DESIGN.md): student.safetensors, teacher.safetensors (names under
 * {@code backbone.} and {@code head.}), optimizer.safetensors, state.json, config.conf and
 * teacher_backbone.safetensors (timm names, no prefix, for embedding). A checkpoint is written into a hidden
 * temporary directory beside the others and renamed into place once every file is there, on any Hadoop
 * filesystem; readers consider only directories that hold every file, so a run killed mid-write (or a
 * copy-based rename on S3A cut short) never yields a half checkpoint. Only the newest {@code keep} are kept.
 */
public final class CheckpointStore {
    public static final String STUDENT = "student.safetensors";
    public static final String TEACHER = "teacher.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";
    public static final String CONFIG = "config.conf";
    public static final String TEACHER_BACKBONE = "teacher_backbone.safetensors";
    public static final List<String> FILES = List.of(STUDENT, TEACHER, OPTIMIZER, CONFIG, TEACHER_BACKBONE, STATE);
    private static final Pattern DIR = Pattern.compile("step-(\\d+)");
    private static final String TMP = ".tmp-step-";

    private final Path root;
    private final FileSystem fs;
    private final Configuration conf;
    private final int keep;

    public CheckpointStore(String runDir, int keep, Configuration conf) {
        try {
            Path p = new Path(runDir, "checkpoints");
            this.fs = p.getFileSystem(conf);
            this.root = fs.makeQualified(p);
            this.conf = conf;
            this.keep = keep;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open checkpoint directory under " + runDir, e);
        }
    }

    public String root() { return root.toString(); }

    /** A complete checkpoint on disk. */
    public record Entry(long step, String dir) {}

    /** Everything a checkpoint holds, as arrays the caller owns. */
    public record Contents(Map<String, NDArray> student, Map<String, NDArray> teacher, Map<String, NDArray> optimizer,
                           Map<String, NDArray> teacherBackbone, TrainState state, String configText) {}

    /**
     * Writes checkpoint {@code step-<state.step>} atomically and prunes old ones; returns its directory.
     * An existing directory of the same step is replaced.
     */
    public String write(Contents c) {
        try {
            fs.mkdirs(root);
            String name = "step-" + c.state().step();
            Path tmp = new Path(root, TMP + c.state().step() + "-" + UUID.randomUUID());
            fs.mkdirs(tmp);
            try {
                Safetensors.write(new Path(tmp, STUDENT).toString(), c.student(), conf);
                Safetensors.write(new Path(tmp, TEACHER).toString(), c.teacher(), conf);
                Safetensors.write(new Path(tmp, OPTIMIZER).toString(), c.optimizer(), conf);
                Safetensors.write(new Path(tmp, TEACHER_BACKBONE).toString(), c.teacherBackbone(), conf);
                HadoopFiles.writeString(new Path(tmp, CONFIG).toString(), c.configText(), conf);
                HadoopFiles.writeString(new Path(tmp, STATE).toString(), c.state().toJson(), conf);
                Path target = new Path(root, name);
                if (fs.exists(target)) fs.delete(target, true);
                if (!fs.rename(tmp, target)) throw new IOException("cannot rename " + tmp + " to " + target);
                prune();
                return target.toString();
            } catch (IOException | RuntimeException e) {
                fs.delete(tmp, true);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint under " + root, e);
        }
    }

    /** Complete checkpoints, oldest first. */
    public List<Entry> list() {
        try {
            List<Entry> out = new ArrayList<>();
            if (!fs.exists(root)) return out;
            for (FileStatus s : fs.listStatus(root)) {
                Matcher m = DIR.matcher(s.getPath().getName());
                if (!s.isDirectory() || !m.matches()) continue;
                if (complete(s.getPath())) out.add(new Entry(Long.parseLong(m.group(1)), s.getPath().toString()));
            }
            out.sort(Comparator.comparingLong(Entry::step));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints under " + root, e);
        }
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Entry> latest() {
        List<Entry> l = list();
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(l.size() - 1));
    }

    /** Reads a checkpoint; arrays are created in {@code m}. */
    public Contents read(Entry e, ai.djl.ndarray.NDManager m) {
        String d = e.dir();
        return new Contents(
                Safetensors.read(d + "/" + STUDENT, m, conf),
                Safetensors.read(d + "/" + TEACHER, m, conf),
                Safetensors.read(d + "/" + OPTIMIZER, m, conf),
                new LinkedHashMap<>(),
                TrainState.fromJson(HadoopFiles.readString(d + "/" + STATE, conf), d + "/" + STATE),
                HadoopFiles.readString(d + "/" + CONFIG, conf));
    }

    private boolean complete(Path dir) throws IOException {
        for (String f : FILES) if (!fs.exists(new Path(dir, f))) return false;
        return true;
    }

    /** Keeps the newest {@code keep} complete checkpoints; removes leftovers of killed writes. */
    private void prune() throws IOException {
        List<Entry> l = list();
        for (int i = 0; i < l.size() - keep; i++) fs.delete(new Path(l.get(i).dir()), true);
        for (FileStatus s : fs.listStatus(root)) {
            if (s.getPath().getName().startsWith(TMP)) fs.delete(s.getPath(), true);
        }
    }
}
