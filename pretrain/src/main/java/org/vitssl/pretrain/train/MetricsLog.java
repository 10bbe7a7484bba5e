package org.vitssl.pretrain.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.common.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code <run>/metrics.jsonl}: one JSON object per line. Appends where the filesystem can (local, HDFS) and
 * rewrites the file otherwise (S3A). On resume, records of steps after the checkpoint (written by the killed
 * run) are dropped so the file tells one consistent history.
 */
public final class MetricsLog {
    private static final Pattern STEP = Pattern.compile("\"step\"\\s*:\\s*(\\d+)");
    private final Path path;
    private final FileSystem fs;
    private final Configuration conf;
    private final List<String> pending = new ArrayList<>();

    public MetricsLog(String runDir, Configuration conf) {
        try {
            this.path = new Path(runDir, "metrics.jsonl");
            this.fs = path.getFileSystem(conf);
            this.conf = conf;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String path() { return path.toString(); }

    /** Keeps only the records whose step is at most {@code step}. */
    public void truncateAfter(long step) {
        try {
            if (!fs.exists(path)) return;
            StringBuilder keep = new StringBuilder();
            for (String line : HadoopFiles.readString(path.toString(), conf).split("\n")) {
                if (line.isBlank()) continue;
                Matcher m = STEP.matcher(line);
                if (m.find() && Long.parseLong(m.group(1)) > step) continue;
                keep.append(line).append('\n');
            }
            HadoopFiles.writeString(path.toString(), keep.toString(), conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + path, e);
        }
    }

    public void add(Map<String, ?> record) {
        pending.add(Json.render(record, false));
    }

    /** Writes the pending records. */
    public void flush() {
        if (pending.isEmpty()) return;
        StringBuilder b = new StringBuilder();
        for (String s : pending) b.append(s).append('\n');
        pending.clear();
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        try {
            fs.mkdirs(path.getParent());
            if (!fs.exists(path)) {
                try (FSDataOutputStream out = fs.create(path, false)) { out.write(bytes); }
                return;
            }
            try (FSDataOutputStream out = fs.append(path)) {
                out.write(bytes);
            } catch (UnsupportedOperationException | IOException notAppendable) {
                byte[] old = HadoopFiles.readBytes(path.toString(), conf);
                byte[] all = new byte[old.length + bytes.length];
                System.arraycopy(old, 0, all, 0, old.length);
                System.arraycopy(bytes, 0, all, old.length, bytes.length);
                HadoopFiles.writeBytes(path.toString(), all, conf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
