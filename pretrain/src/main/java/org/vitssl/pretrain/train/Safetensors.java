package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}} padded with spaces to
 * 8 bytes, then the raw little-endian tensor bytes) over any Hadoop filesystem. Kept in this one class so
 * that it can be swapped for the model module's reader/writer.
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
        StringBuilder h = new StringBuilder("{");
        long offset = 0;
        boolean first = true;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            long n = a.size() * a.getDataType().getNumOfBytes();
            if (!first) h.append(',');
            first = false;
            h.append(quote(e.getKey())).append(":{\"dtype\":\"").append(code(a.getDataType(), e.getKey()))
                    .append("\",\"shape\":[");
            long[] s = a.getShape().getShape();
            for (int i = 0; i < s.length; i++) h.append(i == 0 ? "" : ",").append(s[i]);
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + n).append("]}");
            offset += n;
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - header.length % 8) % 8;
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length + pad);
        out.write(len.array());
        out.write(header);
        for (int i = 0; i < pad; i++) out.write(' ');
        for (NDArray a : tensors.values()) {
            out.write(a.toByteArray()); // native order, little-endian on the supported platforms
        }
    }

    /** Reads every tensor into {@code m}, in the file's order. Errors name the file and the entry. */
    public static LinkedHashMap<String, NDArray> read(String path, NDManager m, Configuration conf) {
        byte[] all = org.vitssl.common.io.HadoopFiles.readBytes(path, conf);
        return read(all, path, m);
    }

    public static LinkedHashMap<String, NDArray> read(byte[] all, String what, NDManager m) {
        if (all.length < 8) throw new IllegalArgumentException(what + ": not a safetensors file (too short)");
        long hlen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (hlen < 2 || 8 + hlen > all.length) throw new IllegalArgumentException(what + ": bad header length " + hlen);
        String json = new String(all, 8, (int) hlen, StandardCharsets.UTF_8).trim();
        ConfigObject root = ConfigFactory.parseString(json, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)).root();
        long dataStart = 8 + hlen;
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        // order by data offset (the header's JSON object order is not guaranteed by the parser)
        List<Map.Entry<String, ConfigValue>> entries = new java.util.ArrayList<>(root.entrySet());
        entries.removeIf(e -> e.getKey().equals("__metadata__"));
        entries.sort((a, b) -> Long.compare(offsets(a.getValue())[0], offsets(b.getValue())[0]));
        for (Map.Entry<String, ConfigValue> e : entries) {
            String name = e.getKey();
            ConfigObject o = (ConfigObject) e.getValue();
            DataType dt = type((String) o.get("dtype").unwrapped(), what, name);
            @SuppressWarnings("unchecked")
            List<Number> sh = (List<Number>) o.get("shape").unwrapped();
            long[] shape = new long[sh.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) { shape[i] = sh.get(i).longValue(); count *= shape[i]; }
            long[] off = offsets(o);
            long n = off[1] - off[0];
            if (n != count * dt.getNumOfBytes() || dataStart + off[1] > all.length) {
                throw new IllegalArgumentException(what + ": entry " + name + " has inconsistent offsets " + off[0] + ".." + off[1]);
            }
            ByteBuffer buf = ByteBuffer.allocateDirect((int) n).order(ByteOrder.nativeOrder());
            buf.put(all, (int) (dataStart + off[0]), (int) n).rewind();
            out.put(name, m.create(buf, new Shape(shape), dt));
        }
        return out;
    }

    private static long[] offsets(ConfigValue v) {
        @SuppressWarnings("unchecked")
        List<Number> l = (List<Number>) ((ConfigObject) v).get("data_offsets").unwrapped();
        return new long[] {l.get(0).longValue(), l.get(1).longValue()};
    }

    private static String code(DataType t, String name) {
        switch (t) {
            case FLOAT32: return "F32";
            case FLOAT64: return "F64";
            case FLOAT16: return "F16";
            case BFLOAT16: return "BF16";
            case INT64: return "I64";
            case INT32: return "I32";
            case INT8: return "I8";
            case UINT8: return "U8";
            case BOOLEAN: return "BOOL";
            default: throw new IllegalArgumentException("cannot store " + name + " of type " + t + " as safetensors");
        }
    }

    private static DataType type(String code, String what, String name) {
        switch (code) {
            case "F32": return DataType.FLOAT32;
            case "F64": return DataType.FLOAT64;
            case "F16": return DataType.FLOAT16;
            case "BF16": return DataType.BFLOAT16;
            case "I64": return DataType.INT64;
            case "I32": return DataType.INT32;
            case "I8": return DataType.INT8;
            case "U8": return DataType.UINT8;
            case "BOOL": return DataType.BOOLEAN;
            default: throw new IllegalArgumentException(what + ": entry " + name + " has unsupported dtype " + code);
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
