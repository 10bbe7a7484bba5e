package org.vitssl.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.vitssl.pretrain.model.ViTOutput;

import java.util.Locale;

/** What vector an image becomes (ALGORITHMS.md 7.1 and 7.2). */
public enum FeatureKind {
    /** norm(x)[:, 0]: the CLS token after the final LayerNorm. */
    CLS("cls"),
    /** mean_i norm(x)[:, 1 + i]: the average of the normed patch tokens. */
    MEAN_PATCH("mean-patch"),
    /** [CLS, mean patch] concatenated (iBOT/AttMask layout; DINO interleaves them instead). */
    CLS_MEAN("cls-mean"),
    /** [norm(x_{L-n})[:, 0], ..., norm(x_L)[:, 0]]: DINO's linear-protocol feature for ViT-S (n = 4). */
    LAST_BLOCKS_CLS("last-blocks-cls");

    public final String key;

    FeatureKind(String key) { this.key = key; }

    public static FeatureKind of(String key) {
        for (FeatureKind k : values()) if (k.key.equals(key.toLowerCase(Locale.ROOT))) return k;
        throw new IllegalArgumentException("unknown feature '" + key + "'");
    }

    /** Blocks whose normed outputs the forward must return. */
    public int lastBlocksNeeded(int n) { return this == LAST_BLOCKS_CLS ? n : 0; }

    /** The (B, F) features of a forward's output. */
    public NDArray extract(ViTOutput out) {
        switch (this) {
            case CLS: return out.cls();
            case MEAN_PATCH: return out.patches().mean(new int[] {1});
            case CLS_MEAN: return NDArrays.concat(new NDList(out.cls(), out.patches().mean(new int[] {1})), 1);
            case LAST_BLOCKS_CLS: {
                NDList cls = new NDList();
                for (NDArray t : out.lastBlocks()) cls.add(t.get(new NDIndex(":, 0")));
                return NDArrays.concat(cls, 1);
            }
            default: throw new IllegalStateException(name());
        }
    }

    public int dimension(int embedDim, int n) {
        switch (this) {
            case CLS_MEAN: return 2 * embedDim;
            case LAST_BLOCKS_CLS: return n * embedDim;
            default: return embedDim;
        }
    }
}
