package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

/**
 * Multi-head self-attention of the DINO/timm ViT:
 * <pre>
 *   [q | k | v] = x W_qkv^T + b_qkv          (W_qkv is (3D, D): rows [0,D) are q, [D,2D) k, [2D,3D) v;
 *                                            within each, head h owns rows [h dh, (h+1) dh))
 *   A_h = softmax(q_h k_h^T * dh^-0.5)       (B, heads, T, T), rows sum to 1
 *   out = concat_h(A_h v_h) W_proj^T + b_proj
 * </pre>
 * Checkpoint names {@code qkv.weight}, {@code qkv.bias}, {@code proj.weight}, {@code proj.bias}.
 */
public final class Attention extends NamedBlock {
    private final LinearLayer qkv;
    private final LinearLayer proj;
    private final int heads;
    private final long dim;
    private final float scale;

    public Attention(long dim, int heads, boolean qkvBias) {
        if (dim % heads != 0) throw new IllegalArgumentException("embed dim " + dim + " is not a multiple of heads " + heads);
        this.dim = dim;
        this.heads = heads;
        this.scale = (float) Math.pow(dim / heads, -0.5);
        qkv = child("qkv", LinearLayer.timm(dim, 3 * dim, qkvBias));
        proj = child("proj", LinearLayer.timm(dim, dim, true));
    }

    /** Returns (output (B, T, D), attention (B, heads, T, T)). */
    public NDList forwardWithAttention(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        long b = s.get(0), t = s.get(1), dh = dim / heads;
        // (B, T, 3D) -> (3, B, heads, T, dh)
        NDArray qkvOut = qkv.forward(ps, x, training).reshape(b, t, 3, heads, dh).transpose(2, 0, 3, 1, 4);
        NDArray q = qkvOut.get(0);
        NDArray k = qkvOut.get(1);
        NDArray v = qkvOut.get(2);
        // dh^-0.5 applied to q before the product: identical to scaling q k^T when dh is a power of 4
        // (the scale is then a power of two) and cheaper when T > dh.
        NDArray attn = Scalars.mul(q, scale).matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
        NDArray o = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, dim);
        return new NDList(proj.forward(ps, o, training), attn);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forwardWithAttention(ps, x, training).get(0);
    }

    public int numHeads() { return heads; }
}
