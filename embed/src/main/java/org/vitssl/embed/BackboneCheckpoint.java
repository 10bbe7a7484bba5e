package org.vitssl.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.pretrain.model.SafetensorsIO;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.VisionTransformer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ViT backbone from a checkpoint on any Hadoop filesystem: a {@code .safetensors} file with timm
 * names (bare, or under a prefix such as {@code teacher.backbone.} / {@code module.}), or a vitssl
 * training checkpoint directory. The architecture is read from the tensor shapes (width, depth, patch,
 * image size, MLP ratio, qkv bias, layer scale); the head count from the file's metadata, the
 * directory's {@code config.conf}, or the configured fallback (else width / 64, DINO's head size).
 */
public final class BackboneCheckpoint {
    private static final Pattern BLOCK = Pattern.compile("^blocks\\.(\\d+)\\.");

    /** Which file of a checkpoint directory holds the requested backbone. */
    static String resolveFile(String checkpoint, String backbone, Configuration hadoop) {
        if (checkpoint.endsWith(".safetensors")) return checkpoint;
        String dir = checkpoint.replaceAll("/+$", "");
        String[] candidates = {dir + "/" + backbone + ".safetensors", dir + "/" + backbone + "_backbone.safetensors"};
        for (String c : candidates) if (HadoopFiles.exists(c, hadoop)) return c;
        throw new IllegalArgumentException("checkpoint " + checkpoint + " has neither " + candidates[0] + " nor " + candidates[1]);
    }

    /** A stable id: the checkpoint's last two path parts and a content hash, so renamed copies match. */
    static String checkpointId(String checkpoint, byte[] bytes) {
        String p = checkpoint.replaceAll("/+$", "");
        String[] parts = p.split("/");
        String name = parts.length >= 2 ? parts[parts.length - 2] + "/" + parts[parts.length - 1] : p;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(bytes);
            return name + "@" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loaded model plus what describes it. */
    public record Loaded(VisionTransformer model, ViTConfig config, String id, String source) {}

    /**
     * Reads the checkpoint and builds the backbone in {@code manager} with its parameters frozen
     * (inference only). Errors name the file and the key.
     */
    public static Loaded load(String checkpoint, String backbone, int fallbackHeads, NDManager manager, Configuration hadoop)
            throws IOException {
        String file = resolveFile(checkpoint, backbone, hadoop);
        byte[] bytes = HadoopFiles.readBytes(file, hadoop);
        Map<String, NDArray> all = SafetensorsIO.read(new ByteArrayInputStream(bytes), manager, file);
        if (all.isEmpty() && "teacher".equals(backbone) && !checkpoint.endsWith(".safetensors")) {
            // A teacher-less method (barlow-twins) writes an empty teacher file: its backbone is the student's.
            file = resolveFile(checkpoint, "student", hadoop);
            bytes = HadoopFiles.readBytes(file, hadoop);
            all = SafetensorsIO.read(new ByteArrayInputStream(bytes), manager, file);
            backbone = "student";
        }
        Map<String, String> meta = SafetensorsIO.readMetadata(new ByteArrayInputStream(bytes), file);
        String prefix = choosePrefix(all.keySet(), backbone);
        Map<String, NDArray> t = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : all.entrySet()) {
            if (e.getKey().startsWith(prefix)) t.put(e.getKey().substring(prefix.length()), e.getValue());
        }
        Config dirConfig = null;
        if (!checkpoint.endsWith(".safetensors")) {
            String conf = checkpoint.replaceAll("/+$", "") + "/config.conf";
            if (HadoopFiles.exists(conf, hadoop)) {
                try {
                    dirConfig = ConfigFactory.parseString(HadoopFiles.readString(conf, hadoop));
                } catch (com.typesafe.config.ConfigException e) {
                    dirConfig = null; // only a hint for the head count; the weights themselves decide the rest
                }
            }
        }
        ViTConfig cfg = inferConfig(t, meta, dirConfig, fallbackHeads, file + " (prefix '" + prefix + "')");
        VisionTransformer vit = VisionTransformer.create(cfg, manager);
        t.remove("masked_embed"); // a student's mask token plays no part in embedding
        SafetensorsIO.LoadReport r = SafetensorsIO.load(vit, t, "", true);
        if (!r.unexpected().isEmpty()) {
            throw new IllegalArgumentException(file + ": keys that the ViT does not have: " + r.unexpected());
        }
        vit.freezeParameters(true);
        return new Loaded(vit, cfg, checkpointId(checkpoint, bytes), file);
    }

    /** The prefix of the requested backbone: {@code <backbone>.backbone.} when both are present, etc. */
    static String choosePrefix(java.util.Set<String> keys, String backbone) {
        for (String p : new String[] {backbone + ".backbone.", "module." + backbone + ".backbone.", backbone + ".module.backbone."}) {
            if (keys.contains(p + "pos_embed")) return p;
        }
        return SafetensorsIO.detectBackbonePrefix(keys);
    }

    static ViTConfig inferConfig(Map<String, NDArray> t, Map<String, String> meta, Config dirConfig, int fallbackHeads,
                                 String source) {
        NDArray cls = require(t, "cls_token", source), pos = require(t, "pos_embed", source);
        NDArray proj = require(t, "patch_embed.proj.weight", source);
        int dim = (int) cls.getShape().get(2);
        int patch = (int) proj.getShape().get(2);
        long n = pos.getShape().get(1) - 1;
        int grid = (int) Math.round(Math.sqrt(n));
        if ((long) grid * grid != n) throw new IllegalArgumentException(source + ": pos_embed " + pos.getShape() + " is not a square grid");
        TreeSet<Integer> blocks = new TreeSet<>();
        for (String k : t.keySet()) {
            Matcher m = BLOCK.matcher(k);
            if (m.find()) blocks.add(Integer.parseInt(m.group(1)));
        }
        if (blocks.isEmpty()) throw new IllegalArgumentException(source + ": no blocks.N.* keys");
        int depth = blocks.last() + 1;
        Shape fc1 = require(t, "blocks.0.mlp.fc1.weight", source).getShape();
        double mlpRatio = fc1.get(0) / (double) dim;
        boolean qkvBias = t.containsKey("blocks.0.attn.qkv.bias");
        double layerScale = t.containsKey("blocks.0.gamma_1") ? 1.0 : 0.0; // any value > 0 enables it; loaded next
        int heads = headsOf(meta, dirConfig, fallbackHeads, dim);
        return new ViTConfig(dim, depth, heads, patch, grid * patch, mlpRatio, qkvBias, 0.0, layerScale, false, 1e-6);
    }

    /**
     * Heads, which no tensor shape shows: an explicit {@code vitssl.embed.num-heads} first (the user
     * knows best), then the file's metadata, then the checkpoint's config.conf when its width matches,
     * then width / 64 (the head size of every DINO/iBOT ViT).
     */
    private static int headsOf(Map<String, String> meta, Config dirConfig, int explicit, int dim) {
        if (explicit > 0) return explicit;
        for (String k : new String[] {"heads", "num_heads", "num-heads"}) {
            if (meta.containsKey(k)) return Integer.parseInt(meta.get(k).trim());
        }
        if (dirConfig != null && dirConfig.hasPath("vitssl.model")) {
            Config m = dirConfig.getConfig("vitssl.model");
            String arch = m.hasPath("arch") ? m.getString("arch") : "custom";
            ViTConfig preset = arch.equals("custom") ? null : ViTConfig.preset(arch, 16, 224);
            int width = m.hasPath("embed-dim") && m.getInt("embed-dim") > 0 ? m.getInt("embed-dim") : preset == null ? -1 : preset.dim();
            int heads = m.hasPath("num-heads") && m.getInt("num-heads") > 0 ? m.getInt("num-heads") : preset == null ? -1 : preset.heads();
            if (width == dim && heads > 0) return heads;
        }
        return Math.max(1, dim / 64);
    }

    private static NDArray require(Map<String, NDArray> t, String key, String source) {
        NDArray a = t.get(key);
        if (a == null) throw new IllegalArgumentException(source + ": missing key " + key);
        return a;
    }

    private BackboneCheckpoint() {}
}
