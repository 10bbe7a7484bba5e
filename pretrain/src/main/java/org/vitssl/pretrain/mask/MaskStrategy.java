package org.vitssl.pretrain.mask;

import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A way to make the boolean patch masks (true = masked) of the global crops for one step. Loader
 * strategies (none, rand, block) need only the grid; attention strategies (AttMask, Reppas) need the
 * teacher's attention of the layers {@link #attentionLayers} from the unmasked teacher forward.
 * Built from {@code vitssl.mask} by {@link MaskConfigs#fromConfig}.
 */
public interface MaskStrategy {
    /** Teacher attention layers this strategy reads for a ViT of {@code depth} blocks (empty: none). */
    default SortedSet<Integer> attentionLayers(int depth) {
        return new TreeSet<>();
    }

    /** Whether {@link #attentionLayers} is non-empty for any depth (the masks follow the teacher forward). */
    default boolean needsAttention() {
        return false;
    }

    /** {@code in.rows()} masks of {@code in.h() * in.w()} cells, row-major. */
    boolean[][] generate(MaskInput in, SplittableRandom rng);

    /**
     * The per-row patch scores that drive the masks (for the Reppas contrastive term's anchors), or
     * null for strategies without scores.
     */
    default float[][] scores(MaskInput in) {
        return null;
    }

    /** No masking (plain DINO / iBOT with ratio 0). */
    MaskStrategy NONE = (in, rng) -> new boolean[in.rows()][in.h() * in.w()];
}
