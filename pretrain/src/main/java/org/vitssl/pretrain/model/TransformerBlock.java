package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Pre-norm transformer block:
 * <pre>
 *   x = x + DropPath(gamma_1 * Attn(LN1(x)))
 *   x = x + DropPath(gamma_2 * MLP(LN2(x)))
 * </pre>
 * gamma_1/gamma_2 (layer scale, per channel, init {@code layerScaleInit}) exist only when that init is
 * above 0. Names {@code norm1.*}, {@code attn.*}, {@code norm2.*}, {@code mlp.*}, {@code gamma_1}, {@code gamma_2}.
 */
public final class TransformerBlock extends NamedBlock {
    private final LayerNormLayer norm1;
    private final Attention attn;
    private final LayerNormLayer norm2;
    private final Mlp mlp;
    private final Parameter gamma1;
    private final Parameter gamma2;
    private final double dropPath;

    public TransformerBlock(long dim, int heads, long hidden, boolean qkvBias, double eps, double dropPath,
                            double layerScaleInit) {
        this.dropPath = dropPath;
        norm1 = child("norm1", new LayerNormLayer(dim, eps));
        attn = child("attn", new Attention(dim, heads, qkvBias));
        norm2 = child("norm2", new LayerNormLayer(dim, eps));
        mlp = child("mlp", new Mlp(dim, hidden));
        if (layerScaleInit > 0) {
            gamma1 = param("gamma_1", new Shape(dim), Init.constant((float) layerScaleInit), Parameter.Type.OTHER);
            gamma2 = param("gamma_2", new Shape(dim), Init.constant((float) layerScaleInit), Parameter.Type.OTHER);
        } else {
            gamma1 = null;
            gamma2 = null;
        }
    }

    public double dropPathRate() { return dropPath; }

    /** Returns (new x, attention of this block (B, heads, T, T)). */
    public NDList forwardWithAttention(ParameterStore ps, NDArray x, boolean training) {
        NDList a = attn.forwardWithAttention(ps, norm1.forward(ps, x, training), training);
        NDArray y = a.get(0);
        if (gamma1 != null) y = y.mul(value(ps, gamma1, x, training));
        x = x.add(DropPath.apply(y, dropPath, training));
        NDArray z = mlp.forward(ps, norm2.forward(ps, x, training), training);
        if (gamma2 != null) z = z.mul(value(ps, gamma2, x, training));
        x = x.add(DropPath.apply(z, dropPath, training));
        return new NDList(x, a.get(1));
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forwardWithAttention(ps, x, training).get(0);
    }
}
