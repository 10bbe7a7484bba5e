package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A block whose trainable parameters carry their timm/DINO checkpoint names
 * ({@code blocks.0.attn.qkv.weight}, {@code last_layer.weight_v}, ...). The names are what the
 * training loop uses for weight-decay groups, freezing, EMA matching and checkpoints.
 */
public interface NamedParameters {
    /** Trainable parameters in checkpoint order, keyed by their checkpoint name (no prefix). */
    LinkedHashMap<String, Parameter> namedParameters();

    /**
     * Non-trainable state saved with the weights (BatchNorm {@code running_mean}, {@code running_var},
     * {@code num_batches_tracked}); empty for blocks without such buffers. Keys are checkpoint names.
     */
    default LinkedHashMap<String, NDArray> namedBuffers() {
        return new LinkedHashMap<>();
    }

    /** Copies {@code child}'s entries into {@code into} under {@code prefix}. */
    static void putAll(Map<String, Parameter> into, String prefix, Map<String, Parameter> child) {
        for (Map.Entry<String, Parameter> e : child.entrySet()) {
            String k = prefix + e.getKey();
            if (into.put(k, e.getValue()) != null) throw new IllegalStateException("duplicate parameter name " + k);
        }
    }

    /** Copies {@code child}'s buffers into {@code into} under {@code prefix}. */
    static void putAllBuffers(Map<String, NDArray> into, String prefix, Map<String, NDArray> child) {
        for (Map.Entry<String, NDArray> e : child.entrySet()) into.put(prefix + e.getKey(), e.getValue());
    }
}
