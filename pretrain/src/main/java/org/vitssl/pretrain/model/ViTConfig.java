package org.vitssl.pretrain.model;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.Set;

/**
 * Architecture of a {@link VisionTransformer} (ALGORITHMS.md 2.1).
 *
 * @param dim            embedding width D
 * @param depth          number of blocks
 * @param heads          attention heads (D must be a multiple)
 * @param patch          patch size P
 * @param imgSize        image side whose grid the stored position embedding covers ((imgSize/P)^2 + 1 tokens)
 * @param mlpRatio       MLP hidden width / D
 * @param qkvBias        bias in the qkv projection
 * @param dropPathRate   maximum stochastic-depth rate (block i uses linspace(0, rate, depth)[i]); 0 for a teacher
 * @param layerScaleInit init of gamma_1/gamma_2; 0 = no layer scale
 * @param maskToken      whether the model has iBOT's {@code masked_embed}
 * @param layerNormEps   LayerNorm epsilon
 */
public record ViTConfig(int dim, int depth, int heads, int patch, int imgSize, double mlpRatio, boolean qkvBias,
                        double dropPathRate, double layerScaleInit, boolean maskToken, double layerNormEps) {

    public static final Set<String> ARCHS = Set.of("vit_tiny", "vit_small", "vit_base", "vit_large", "custom");

    public ViTConfig {
        if (dim < 1 || depth < 1 || heads < 1 || patch < 1 || imgSize < patch) {
            throw new IllegalArgumentException("bad ViT size: dim " + dim + ", depth " + depth + ", heads " + heads
                    + ", patch " + patch + ", img size " + imgSize);
        }
        if (dim % heads != 0) throw new IllegalArgumentException("embed dim " + dim + " is not a multiple of heads " + heads);
        if (imgSize % patch != 0) throw new IllegalArgumentException("img size " + imgSize + " is not a multiple of patch " + patch);
    }

    /** A model with DINO's defaults (mlp ratio 4, qkv bias, no drop path, no layer scale, no mask token, eps 1e-6). */
    public static ViTConfig of(int dim, int depth, int heads, int patch, int imgSize) {
        return new ViTConfig(dim, depth, heads, patch, imgSize, 4.0, true, 0.0, 0.0, false, 1e-6);
    }

    /** vit_tiny / vit_small / vit_base / vit_large with the given patch and image size. */
    public static ViTConfig preset(String arch, int patch, int imgSize) {
        switch (arch) {
            case "vit_tiny": return of(192, 12, 3, patch, imgSize);
            case "vit_small": return of(384, 12, 6, patch, imgSize);
            case "vit_base": return of(768, 12, 12, patch, imgSize);
            case "vit_large": return of(1024, 24, 16, patch, imgSize);
            default: throw new IllegalArgumentException("unknown arch " + arch + "; one of " + ARCHS);
        }
    }

    /** Reads {@code vitssl.model} (pass the root config). */
    public static ViTConfig fromConfig(Config root) {
        String p = "vitssl.model.";
        String arch = ConfigChecks.oneOf(root, p + "arch", ARCHS);
        int patch = ConfigChecks.intIn(root, p + "patch-size", 1, 1024);
        int img = ConfigChecks.intIn(root, p + "img-size", 1, 16384);
        if (img % patch != 0) throw ConfigChecks.bad(p + "img-size", img, "must be a multiple of patch-size " + patch);
        int dim = ConfigChecks.nonNegativeInt(root, p + "embed-dim");
        int depth = ConfigChecks.nonNegativeInt(root, p + "depth");
        int heads = ConfigChecks.nonNegativeInt(root, p + "num-heads");
        int d, l, h;
        if (arch.equals("custom")) {
            if (dim == 0 || depth == 0 || heads == 0) {
                throw ConfigChecks.bad(p + "arch", arch, "custom needs embed-dim, depth and num-heads above 0");
            }
            d = dim;
            l = depth;
            h = heads;
        } else {
            ViTConfig pre = preset(arch, patch, img);
            d = dim > 0 ? dim : pre.dim();
            l = depth > 0 ? depth : pre.depth();
            h = heads > 0 ? heads : pre.heads();
        }
        if (d % h != 0) throw ConfigChecks.bad(p + "embed-dim", d, "must be a multiple of num-heads " + h);
        ViTConfig base = of(d, l, h, patch, img);
        double mlp = ConfigChecks.positiveDouble(root, p + "mlp-ratio");
        boolean qkvBias = root.getBoolean(p + "qkv-bias");
        double dpr = ConfigChecks.doubleIn(root, p + "drop-path-rate", 0.0, 0.999);
        double ls = ConfigChecks.doubleIn(root, p + "layer-scale-init", 0.0, 1e6);
        boolean maskToken = root.getBoolean(p + "mask-token");
        double eps = ConfigChecks.positiveDouble(root, p + "layer-norm-eps");
        return new ViTConfig(base.dim(), base.depth(), base.heads(), patch, img, mlp, qkvBias, dpr, ls, maskToken, eps);
    }

    public int gridSize() { return imgSize / patch; }

    public int numPatches() { return gridSize() * gridSize(); }

    public int mlpHidden() { return (int) (dim * mlpRatio); }

    public ViTConfig withDropPathRate(double r) {
        return new ViTConfig(dim, depth, heads, patch, imgSize, mlpRatio, qkvBias, r, layerScaleInit, maskToken, layerNormEps);
    }

    public ViTConfig withMaskToken(boolean m) {
        return new ViTConfig(dim, depth, heads, patch, imgSize, mlpRatio, qkvBias, dropPathRate, layerScaleInit, m, layerNormEps);
    }

    public ViTConfig withLayerScaleInit(double v) {
        return new ViTConfig(dim, depth, heads, patch, imgSize, mlpRatio, qkvBias, dropPathRate, v, maskToken, layerNormEps);
    }
}
