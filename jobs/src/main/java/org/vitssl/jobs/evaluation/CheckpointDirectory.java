package org.vitssl.jobs.evaluation;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.vitssl.common.io.HadoopFiles;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints found under a directory (any Hadoop filesystem): training checkpoint directories
 * ({@code step-<n>/}, also under a run's {@code checkpoints/}) and {@code .safetensors} files. Hidden
 * entries (temporaries of a checkpoint being written) are ignored. Sorted by step, then name.
 */
public final class CheckpointDirectory {
    private static final Pattern NUMBER = Pattern.compile("(\\d+)(?!.*\\d)");

    /** One checkpoint: its name (the key of the evaluation table), path, and epoch/step when known. */
    public record Checkpoint(String name, String path, Integer epoch, Long step) {}

    public static List<Checkpoint> list(String dir, Configuration hadoop) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(hadoop);
        if (!fs.exists(root)) throw new IllegalArgumentException("vitssl.evaluate.checkpoints: " + dir + " does not exist");
        Path sub = new Path(root, "checkpoints");
        if (fs.exists(sub) && fs.getFileStatus(sub).isDirectory()) root = sub;
        List<Checkpoint> out = new ArrayList<>();
        for (FileStatus st : fs.listStatus(root)) {
            String name = st.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) continue;
            if (st.isDirectory()) {
                boolean isCkpt = false;
                for (String f : new String[] {"teacher.safetensors", "student.safetensors", "teacher_backbone.safetensors"}) {
                    isCkpt |= fs.exists(new Path(st.getPath(), f));
                }
                if (!isCkpt) continue;
                out.add(describe(name, st.getPath().toString(), new Path(st.getPath(), "state.json").toString(), hadoop));
            } else if (name.endsWith(".safetensors")) {
                out.add(describe(name.substring(0, name.length() - ".safetensors".length()), st.getPath().toString(), null, hadoop));
            }
        }
        out.sort(Comparator.comparing((Checkpoint c) -> c.step() == null ? Long.MAX_VALUE : c.step()).thenComparing(Checkpoint::name));
        return out;
    }

    private static Checkpoint describe(String name, String path, String stateJson, Configuration hadoop) {
        Integer epoch = null;
        Long step = null;
        if (stateJson != null && HadoopFiles.exists(stateJson, hadoop)) {
            try {
                Config s = ConfigFactory.parseString(HadoopFiles.readString(stateJson, hadoop));
                if (s.hasPath("step")) step = s.getLong("step");
                if (s.hasPath("epoch")) epoch = s.getInt("epoch");
            } catch (RuntimeException e) {
                // An unreadable state.json is reported when the checkpoint itself is loaded.
            }
        }
        if (step == null) {
            Matcher m = NUMBER.matcher(name);
            if (m.find()) step = Long.parseLong(m.group(1));
        }
        return new Checkpoint(name, path, epoch, step);
    }

    private CheckpointDirectory() {}
}
