package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (https://github.com/huggingface/safetensors) and loads
 * named tensors into a model's {@link NamedParameters}.
 *
 * <p>Format: an unsigned little-endian 64-bit header length n, n bytes of UTF-8 JSON mapping each
 * tensor name to {@code {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}} (offsets
 * relative to the end of the header) plus an optional {@code "__metadata__"} map of strings, then the
 * raw little-endian tensor bytes. Written headers are padded with spaces to a multiple of 8 bytes.
 *
 * <p>Prefixes: checkpoints store backbones under {@code teacher.backbone.}, {@code student.backbone.},
 * {@code module.backbone.}, {@code backbone.}; {@link #load} takes the prefix to strip (or
 * {@link #detectBackbonePrefix} finds it) and {@link #stateDict} adds one on save.
 */
public final class SafetensorsIO {
    public static final String METADATA_KEY = "__metadata__";
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private SafetensorsIO() {}

    // ---------------------------------------------------------------------------------------- write

    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        try (OutputStream os = Files.newOutputStream(file)) {
            write(os, tensors, metadata);
        }
    }

    /** Writes all tensors (in map order) with optional string metadata; does not close {@code out}. */
    public static void write(OutputStream out, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject md = new JsonObject();
            metadata.forEach(md::addProperty);
            header.add(METADATA_KEY, md);
        }
        List<ByteBuffer> data = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) throw new IllegalArgumentException("reserved tensor name " + METADATA_KEY);
            NDArray a = e.getValue();
            ByteBuffer bytes = a.toByteBuffer().order(ByteOrder.nativeOrder());
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                throw new IllegalStateException("safetensors writing needs a little-endian platform");
            }
            JsonObject t = new JsonObject();
            t.addProperty("dtype", dtypeName(a.getDataType(), e.getKey()));
            JsonArray shape = new JsonArray();
            for (long d : a.getShape().getShape()) shape.add(d);
            t.add("shape", shape);
            JsonArray off = new JsonArray();
            off.add(offset);
            off.add(offset + bytes.remaining());
            t.add("data_offsets", off);
            header.add(e.getKey(), t);
            offset += bytes.remaining();
            data.add(bytes);
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        System.arraycopy(json, 0, head, 0, json.length);
        for (int i = json.length; i < padded; i++) head[i] = ' ';
        BufferedOutputStream bo = new BufferedOutputStream(out, 1 << 16);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        bo.write(len.array());
        bo.write(head);
        byte[] chunk = new byte[1 << 16];
        for (ByteBuffer b : data) {
            while (b.hasRemaining()) {
                int n = Math.min(chunk.length, b.remaining());
                b.get(chunk, 0, n);
                bo.write(chunk, 0, n);
            }
        }
        bo.flush();
    }

    // ----------------------------------------------------------------------------------------- read

    /** All tensors of a file, in header order, created in {@code manager}. */
    public static LinkedHashMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, manager, file.toString());
        }
    }

    /** All tensors of a stream ({@code source} names it in errors); does not close {@code in}. */
    public static LinkedHashMap<String, NDArray> read(InputStream in, NDManager manager, String source) throws IOException {
        DataInputStream din = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        JsonObject header = readHeader(din, source);
        List<Map.Entry<String, long[]>> order = new ArrayList<>();
        Map<String, JsonObject> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) continue;
            JsonObject t = e.getValue().getAsJsonObject();
            JsonArray off = t.getAsJsonArray("data_offsets");
            if (off == null || off.size() != 2) throw new IOException(source + ": tensor " + e.getKey() + " has no data_offsets");
            order.add(Map.entry(e.getKey(), new long[] {off.get(0).getAsLong(), off.get(1).getAsLong()}));
            entries.put(e.getKey(), t);
        }
        order.sort((a, b) -> Long.compare(a.getValue()[0], b.getValue()[0]));
        Map<String, NDArray> byName = new LinkedHashMap<>();
        long pos = 0;
        for (Map.Entry<String, long[]> e : order) {
            String name = e.getKey();
            long begin = e.getValue()[0], end = e.getValue()[1];
            if (begin < pos || end < begin) throw new IOException(source + ": overlapping or bad data_offsets for tensor " + name);
            din.skipNBytes(begin - pos);
            JsonObject t = entries.get(name);
            DataType dt = dataType(t.get("dtype").getAsString(), name, source);
            JsonArray sh = t.getAsJsonArray("shape");
            long[] dims = new long[sh.size()];
            long count = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = sh.get(i).getAsLong();
                count *= dims[i];
            }
            long nbytes = end - begin;
            if (nbytes != count * dt.getNumOfBytes()) {
                throw new IOException(source + ": tensor " + name + " has " + nbytes + " bytes, shape " + sh + " " + dt + " needs "
                        + count * dt.getNumOfBytes());
            }
            if (nbytes > Integer.MAX_VALUE) throw new IOException(source + ": tensor " + name + " is larger than 2 GiB");
            byte[] raw = new byte[(int) nbytes];
            try {
                din.readFully(raw);
            } catch (EOFException eof) {
                throw new IOException(source + ": file ends inside tensor " + name, eof);
            }
            ByteBuffer bb = ByteBuffer.allocateDirect(raw.length).order(ByteOrder.LITTLE_ENDIAN);
            bb.put(raw).rewind();
            byName.put(name, manager.create(bb, new Shape(dims), dt));
            pos = end;
        }
        LinkedHashMap<String, NDArray> result = new LinkedHashMap<>();
        for (String k : entries.keySet()) result.put(k, byName.get(k));
        return result;
    }

    /** The {@code __metadata__} map of a file (empty when absent). */
    public static Map<String, String> readMetadata(InputStream in, String source) throws IOException {
        JsonObject header = readHeader(new DataInputStream(new BufferedInputStream(in)), source);
        Map<String, String> md = new LinkedHashMap<>();
        if (header.has(METADATA_KEY)) {
            for (Map.Entry<String, JsonElement> e : header.getAsJsonObject(METADATA_KEY).entrySet()) {
                md.put(e.getKey(), e.getValue().getAsString());
            }
        }
        return md;
    }

    private static JsonObject readHeader(DataInputStream din, String source) throws IOException {
        byte[] lenBytes = new byte[8];
        try {
            din.readFully(lenBytes);
        } catch (EOFException e) {
            throw new IOException(source + ": not a safetensors file (shorter than 8 bytes)", e);
        }
        long n = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n <= 0 || n > MAX_HEADER) throw new IOException(source + ": not a safetensors file (header length " + n + ")");
        byte[] json = new byte[(int) n];
        try {
            din.readFully(json);
        } catch (EOFException e) {
            throw new IOException(source + ": truncated safetensors header", e);
        }
        try {
            return JsonParser.parseString(new String(json, StandardCharsets.UTF_8).trim()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(source + ": bad safetensors JSON header: " + e.getMessage(), e);
        }
    }

    static String dtypeName(DataType t, String key) {
        switch (t) {
            case FLOAT32: return "F32";
            case FLOAT64: return "F64";
            case FLOAT16: return "F16";
            case BFLOAT16: return "BF16";
            case INT64: return "I64";
            case INT32: return "I32";
            case INT16: return "I16";
            case INT8: return "I8";
            case UINT8: return "U8";
            case BOOLEAN: return "BOOL";
            default: throw new IllegalArgumentException("tensor " + key + ": data type " + t + " has no safetensors name");
        }
    }

    static DataType dataType(String name, String key, String source) throws IOException {
        switch (name) {
            case "F32": return DataType.FLOAT32;
            case "F64": return DataType.FLOAT64;
            case "F16": return DataType.FLOAT16;
            case "BF16": return DataType.BFLOAT16;
            case "I64": return DataType.INT64;
            case "I32": return DataType.INT32;
            case "I16": return DataType.INT16;
            case "I8": return DataType.INT8;
            case "U8": return DataType.UINT8;
            case "BOOL": return DataType.BOOLEAN;
            default: throw new IOException(source + ": tensor " + key + " has unsupported dtype " + name);
        }
    }

    // ------------------------------------------------------------------------------ model helpers

    /** Parameters and buffers of a model under {@code prefix} (e.g. {@code backbone.}), ready for {@link #write}. */
    public static LinkedHashMap<String, NDArray> stateDict(NamedParameters model, String prefix) {
        LinkedHashMap<String, NDArray> m = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            m.put(prefix + e.getKey(), e.getValue().getArray());
        }
        for (Map.Entry<String, NDArray> e : model.namedBuffers().entrySet()) m.put(prefix + e.getKey(), e.getValue());
        return m;
    }

    /** The outcome of {@link #load}. */
    public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected) {
        @Override
        public String toString() {
            return "loaded " + loaded.size() + " tensors; missing " + missing + "; unexpected " + unexpected;
        }
    }

    /**
     * Copies {@code tensors[prefix + name]} into each of the model's parameters and buffers, in place
     * (the arrays keep their manager and gradient flag), converting the data type if needed.
     *
     * <p>Keys that do not start with {@code prefix} are ignored (they belong to other parts of a
     * checkpoint); keys that do but match nothing are reported as unexpected. A shape mismatch throws
     * an {@link IllegalArgumentException} naming the key and both shapes; so do missing keys when
     * {@code strict}.
     */
    public static LoadReport load(NamedParameters model, Map<String, NDArray> tensors, String prefix, boolean strict) {
        String pre = prefix == null ? "" : prefix;
        Map<String, NDArray> targets = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) targets.put(e.getKey(), e.getValue().getArray());
        targets.putAll(model.namedBuffers());
        // Check everything first so that a failed load changes nothing.
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : targets.entrySet()) {
            NDArray src = tensors.get(pre + e.getKey());
            if (src == null) {
                missing.add(e.getKey());
                continue;
            }
            Shape want = e.getValue().getShape(), got = src.getShape();
            if (!want.equals(got)) {
                throw new IllegalArgumentException("shape mismatch for key '" + pre + e.getKey() + "': checkpoint has "
                        + got + ", model expects " + want);
            }
        }
        if (strict && !missing.isEmpty()) {
            throw new IllegalArgumentException("missing keys (prefix '" + pre + "'): " + missing);
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : tensors.keySet()) {
            if (k.startsWith(pre) && !targets.containsKey(k.substring(pre.length()))) unexpected.add(k);
        }
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : targets.entrySet()) {
            NDArray src = tensors.get(pre + e.getKey());
            if (src == null) continue;
            NDArray dst = e.getValue();
            if (src.getDataType() != dst.getDataType()) {
                try (NDManager tmp = src.getManager().newSubManager()) {
                    NDArray conv = src.toType(dst.getDataType(), true);
                    conv.attach(tmp);
                    dst.set(conv.toByteBuffer());
                }
            } else {
                dst.set(src.toByteBuffer());
            }
            loaded.add(e.getKey());
        }
        return new LoadReport(Collections.unmodifiableList(loaded), Collections.unmodifiableList(missing),
                Collections.unmodifiableList(unexpected));
    }

    /**
     * The prefix under which a checkpoint stores a ViT backbone: the part before {@code pos_embed} of
     * the key that ends with it. Prefers a teacher when both teacher and student are present (DINO
     * evaluates the teacher). Returns "" for a bare backbone file.
     */
    public static String detectBackbonePrefix(java.util.Collection<String> keys) {
        String best = null;
        for (String k : keys) {
            if (!k.equals("pos_embed") && !k.endsWith(".pos_embed")) continue;
            String p = k.substring(0, k.length() - "pos_embed".length());
            if (best == null || rank(p) < rank(best) || (rank(p) == rank(best) && p.length() < best.length())) best = p;
        }
        if (best == null) throw new IllegalArgumentException("no key ending in pos_embed: not a ViT checkpoint");
        return best;
    }

    private static int rank(String prefix) {
        if (prefix.isEmpty()) return 0;
        if (prefix.contains("teacher")) return 1;
        if (prefix.contains("student")) return 3;
        return 2;
    }

    /** A copy of {@code tensors} with {@code prefix} added to every key. */
    public static LinkedHashMap<String, NDArray> addPrefix(Map<String, NDArray> tensors, String prefix) {
        LinkedHashMap<String, NDArray> m = new LinkedHashMap<>();
        tensors.forEach((k, v) -> m.put(prefix + k, v));
        return m;
    }

    /** The entries whose key starts with {@code prefix}, with it removed. */
    public static LinkedHashMap<String, NDArray> stripPrefix(Map<String, NDArray> tensors, String prefix) {
        LinkedHashMap<String, NDArray> m = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) m.put(k.substring(prefix.length()), v);
        });
        return m;
    }
}
