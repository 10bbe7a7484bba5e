package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one {@link VisionTransformer} forward returns. All arrays live in the manager of the input
 * images.
 */
public final class ViTOutput {
    private final NDArray tokens;
    private final Map<Integer, NDArray> attentions;
    private final List<NDArray> lastBlocks;
    private final int depth;

    ViTOutput(NDArray tokens, Map<Integer, NDArray> attentions, List<NDArray> lastBlocks, int depth) {
        this.tokens = tokens;
        this.attentions = Collections.unmodifiableMap(new TreeMap<>(attentions));
        this.lastBlocks = List.copyOf(lastBlocks);
        this.depth = depth;
    }

    /** All tokens after the final LayerNorm, (B, 1 + N, D); index 0 is CLS. */
    public NDArray tokens() { return tokens; }

    /** The normed CLS token (B, D) (DINO's forward output). */
    public NDArray cls() { return tokens.get(new NDIndex(":, 0")); }

    /** The normed patch tokens (B, N, D), row-major over the patch grid. */
    public NDArray patches() { return tokens.get(new NDIndex(":, 1:")); }

    /** The requested attention maps by block index (0-based), each (B, heads, 1 + N, 1 + N). */
    public Map<Integer, NDArray> attentions() { return attentions; }

    /** The attention of block {@code layer} (negative counts from the end: -1 is the last block). */
    public NDArray attention(int layer) {
        int l = layer < 0 ? depth + layer : layer;
        NDArray a = attentions.get(l);
        if (a == null) throw new IllegalStateException("attention of block " + l + " was not requested; have " + attentions.keySet());
        return a;
    }

    /** The last block's CLS-query attention over the patch keys, A[:, :, 0, 1:], (B, heads, N). */
    public NDArray lastClsAttention() {
        return attention(-1).get(new NDIndex(":, :, 0, 1:"));
    }

    /** The normed outputs (all tokens) of the last n blocks, oldest first (DINO's get_intermediate_layers). */
    public List<NDArray> lastBlocks() { return lastBlocks; }
}
