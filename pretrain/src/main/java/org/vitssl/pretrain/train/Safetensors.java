package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.pretrain.model.SafetensorsIO;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checkpoint tensors as safetensors files on any Hadoop filesystem (local, HDFS, S3A). The format itself
 * is {@link SafetensorsIO}'s; this class only adds the Hadoop paths the checkpoints live on.
 */
public final class Safetensors {
    private Safetensors() {}

    public static void write(String path, Map<String, NDArray> tensors, Configuration conf) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            try (FSDataOutputStream out = fs.create(p, true)) {
                write(out, tensors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    public static void write(OutputStream out, Map<String, NDArray> tensors) throws IOException {
        SafetensorsIO.write(out, tensors, Map.of());
    }

    /** Reads every tensor into {@code m}, in the file's order. Errors name the file and the entry. */
    public static LinkedHashMap<String, NDArray> read(String path, NDManager m, Configuration conf) {
        return read(HadoopFiles.readBytes(path, conf), path, m);
    }

    public static LinkedHashMap<String, NDArray> read(byte[] all, String what, NDManager m) {
        try {
            return SafetensorsIO.read(new ByteArrayInputStream(all), m, what);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
