package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The DINO/iBOT variant of the timm Vision Transformer (ALGORITHMS.md 2.1):
 * <pre>
 *   x = PatchEmbed(img)                       (B, N, D), patches row-major
 *   x[mask] = masked_embed                    (iBOT: before the CLS token and the position embedding)
 *   x = [cls_token ; x] + pos_embed           (pos_embed bicubically resized for other grids)
 *   x = Block_{depth-1}( ... Block_0(x))      (pre-norm, see {@link TransformerBlock})
 *   out = LayerNorm(x)                        (eps 1e-6 by default)
 * </pre>
 * Parameter names are timm's ({@code cls_token}, {@code pos_embed}, {@code patch_embed.proj.weight},
 * {@code blocks.i.attn.qkv.weight}, {@code norm.weight}, {@code masked_embed}, ...). Init: cls_token,
 * pos_embed and Linear weights trunc-normal std 0.02, biases 0, LayerNorm 1/0, the patch conv keeps
 * PyTorch's default, masked_embed starts at zeros.
 *
 * <p>As a DJL block, {@code forward(ps, NDList(images[, mask]), training)} returns NDList(all normed
 * tokens); {@link #forward(ParameterStore, NDArray, NDArray, boolean, int[], int)} returns everything.
 */
public final class VisionTransformer extends NamedBlock {
    private final ViTConfig config;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final Parameter maskedEmbed;
    private final PatchEmbed patchEmbed;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNormLayer norm;

    public VisionTransformer(ViTConfig config) {
        this.config = config;
        int d = config.dim();
        clsToken = param("cls_token", new Shape(1, 1, d), Init.truncNormal(0.02), Parameter.Type.OTHER);
        posEmbed = param("pos_embed", new Shape(1, config.numPatches() + 1, d), Init.truncNormal(0.02), Parameter.Type.OTHER);
        patchEmbed = child("patch_embed", new PatchEmbed(3, d, config.patch()));
        double[] rates = DropPath.linspace(config.dropPathRate(), config.depth());
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(child("blocks." + i, new TransformerBlock(d, config.heads(), config.mlpHidden(), config.qkvBias(),
                    config.layerNormEps(), rates[i], config.layerScaleInit())));
        }
        norm = child("norm", new LayerNormLayer(d, config.layerNormEps()));
        maskedEmbed = config.maskToken()
                ? param("masked_embed", new Shape(1, d), Init.ZEROS, Parameter.Type.OTHER) : null;
    }

    /** Builds and initialises a model in {@code manager} (seed the engine first for a repeatable init). */
    public static VisionTransformer create(ViTConfig config, NDManager manager) {
        VisionTransformer v = new VisionTransformer(config);
        v.initialize(manager);
        return v;
    }

    public ViTConfig config() { return config; }

    public int depth() { return config.depth(); }

    public boolean hasMaskToken() { return maskedEmbed != null; }

    /** Inference forward: normed tokens only. */
    public ViTOutput forward(NDArray images) {
        return forward(null, images, null, false, new int[0], 0);
    }

    /**
     * Full forward.
     *
     * @param images          (B, 3, H, W), H and W multiples of the patch size
     * @param patchMask       null, or booleans (B, H/P, W/P): true patches are replaced by masked_embed
     * @param training        enables drop path
     * @param attentionLayers blocks whose attention (B, heads, 1+N, 1+N) to return; negative counts from the end
     * @param lastBlocks      how many of the last blocks' normed outputs to return (0 for none)
     */
    public ViTOutput forward(ParameterStore ps, NDArray images, NDArray patchMask, boolean training,
                             int[] attentionLayers, int lastBlocks) {
        NDManager m = images.getManager();
        Shape s = images.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) throw new IllegalArgumentException("images must be (B, 3, H, W), got " + s);
        int p = config.patch();
        int h0 = (int) (s.get(2) / p), w0 = (int) (s.get(3) / p);
        long b = s.get(0);
        int d = config.dim();
        boolean[] wantAttn = new boolean[config.depth()];
        for (int l : attentionLayers) {
            int li = l < 0 ? config.depth() + l : l;
            if (li < 0 || li >= config.depth()) {
                throw new IllegalArgumentException("attention layer " + l + " out of range for depth " + config.depth());
            }
            wantAttn[li] = true;
        }
        if (lastBlocks < 0 || lastBlocks > config.depth()) {
            throw new IllegalArgumentException("lastBlocks " + lastBlocks + " not in [0, " + config.depth() + "]");
        }

        NDArray x = patchEmbed.forward(ps, images, training).reshape(b, d, (long) h0 * w0).transpose(0, 2, 1);
        if (patchMask != null) x = substituteMask(ps, x, patchMask, h0, w0, training);
        NDArray cls = own(value(ps, clsToken, x, training).broadcast(b, 1, d), m);
        x = NDArrays.concat(new NDList(cls, x), 1);
        x = x.add(positionEmbedding(ps, x, h0, w0, training));

        Map<Integer, NDArray> attn = new HashMap<>();
        List<NDArray> last = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            NDList r = blocks.get(i).forwardWithAttention(ps, x, training);
            x = r.get(0);
            if (wantAttn[i]) attn.put(i, r.get(1));
            if (i >= blocks.size() - lastBlocks && i < blocks.size() - 1) last.add(norm.forward(ps, x, training));
        }
        NDArray tokens = norm.forward(ps, x, training);
        if (lastBlocks > 0) last.add(tokens);
        return new ViTOutput(tokens, attn, last, config.depth());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, inputs.get(0), mask, training, new int[0], 0).tokens());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        long n = (s.get(2) / config.patch()) * (s.get(3) / config.patch());
        return new Shape[] {new Shape(s.get(0), n + 1, config.dim())};
    }

    private NDArray substituteMask(ParameterStore ps, NDArray x, NDArray patchMask, int h0, int w0, boolean training) {
        if (maskedEmbed == null) throw new IllegalStateException("a patch mask was given but the model has no mask token (vitssl.model.mask-token)");
        Shape ms = patchMask.getShape();
        long b = x.getShape().get(0);
        if (ms.dimension() != 3 || ms.get(0) != b || ms.get(1) != h0 || ms.get(2) != w0) {
            throw new IllegalArgumentException("patch mask must be (" + b + ", " + h0 + ", " + w0 + "), got " + ms);
        }
        NDArray mf = own(patchMask.toType(DataType.FLOAT32, false).reshape(b, (long) h0 * w0, 1), x.getManager());
        // where(mask, masked_embed, x) written as x (1 - m) + m e: exact for m in {0, 1}.
        return x.mul(mf.neg().add(1f)).add(mf.mul(value(ps, maskedEmbed, x, training)));
    }

    /** pos_embed for an h0 x w0 patch grid, (1, 1 + h0 w0, D), in the manager of {@code like}. */
    public NDArray positionEmbedding(ParameterStore ps, NDArray like, int h0, int w0, boolean training) {
        NDArray pos = value(ps, posEmbed, like, training);
        int s = config.gridSize();
        if (h0 == s && w0 == s) return pos;
        NDManager m = like.getManager();
        int d = config.dim();
        NDArray clsPos = own(pos.get(new NDIndex(":, :1, :")), m);
        NDArray grid = own(pos.get(new NDIndex("0, 1:, :")), m);
        NDArray k = m.create(PosEmbedInterpolation.kronWeights(s, h0, w0), new Shape((long) h0 * w0, (long) s * s));
        NDArray patchPos = k.matMul(grid).reshape(1, (long) h0 * w0, d);
        return NDArrays.concat(new NDList(clsPos, patchPos), 1);
    }

    @Override
    public String toString() {
        return "VisionTransformer" + config + " blocks=" + Arrays.toString(DropPath.linspace(config.dropPathRate(), config.depth()));
    }
}
