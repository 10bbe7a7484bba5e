package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * iBOT head (ALGORITHMS.md 3.2): one MLP and L2 normalisation shared by all tokens, then
 * <pre>
 *   z = normalize(MLP(x))                        (B, 1+N, bottleneck), MLP as in {@link DinoHead} (no BN)
 *   cls_logits   = z[:, 0]  W1^T                 last_layer  (weight-normalised, K outputs)
 *   patch_logits = z[:, 1:] W2^T                 last_layer2 (K2 outputs), or last_layer when shared_head
 * </pre>
 * On a 2-D input (B, in) (local crops: CLS only) it is the DINO head and returns cls logits only.
 * Names {@code mlp.0/2/4.*}, {@code last_layer.weight_g/v}, {@code last_layer2.weight_g/v} (absent when
 * shared: PyTorch's state dict then repeats last_layer's tensors under last_layer2, which a load
 * reports as unexpected keys and ignores).
 */
public final class IbotHead extends NamedBlock {
    private final List<LinearLayer> mlp = new ArrayList<>();
    private final boolean relu;
    private final WeightNormLinear lastLayer;
    private final WeightNormLinear lastLayer2;

    public IbotHead(long in, long out, long patchOut, boolean sharedHead, boolean normLastLayer, int nlayers, long hidden,
                    long bottleneck, String act) {
        if (!Set.of("gelu", "relu").contains(act)) throw new IllegalArgumentException("act must be gelu or relu, got " + act);
        if (sharedHead && patchOut != out) {
            throw new IllegalArgumentException("shared head needs patch-out-dim (" + patchOut + ") = out-dim (" + out + ")");
        }
        this.relu = act.equals("relu");
        if (nlayers == 1) {
            mlp.add(child("mlp", LinearLayer.timm(in, bottleneck, true)));
        } else {
            long from = in;
            for (int i = 0; i < nlayers - 1; i++) {
                mlp.add(child("mlp." + (2 * i), LinearLayer.timm(from, hidden, true)));
                from = hidden;
            }
            mlp.add(child("mlp." + (2 * (nlayers - 1)), LinearLayer.timm(hidden, bottleneck, true)));
        }
        lastLayer = child("last_layer", new WeightNormLinear(bottleneck, out, normLastLayer));
        lastLayer2 = sharedHead ? lastLayer : child("last_layer2", new WeightNormLinear(bottleneck, patchOut, normLastLayer));
    }

    /** From {@code vitssl.model.ibot-head}. */
    public static IbotHead fromConfig(long in, Config c) {
        return new IbotHead(in, ConfigChecks.positiveInt(c, "out-dim"), ConfigChecks.positiveInt(c, "patch-out-dim"),
                c.getBoolean("shared-head"), c.getBoolean("norm-last-layer"), ConfigChecks.intIn(c, "nlayers", 1, 64),
                ConfigChecks.positiveInt(c, "hidden-dim"), ConfigChecks.positiveInt(c, "bottleneck-dim"),
                ConfigChecks.oneOf(c, "act", Set.of("gelu", "relu")));
    }

    public boolean shared() { return lastLayer == lastLayer2; }

    /** The normalised bottleneck of every token. */
    public NDArray bottleneck(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = x;
        for (int i = 0; i < mlp.size(); i++) {
            h = mlp.get(i).forward(ps, h, training);
            if (i < mlp.size() - 1) h = relu ? HeadOps.relu(h) : Mlp.gelu(h);
        }
        return HeadOps.l2Normalize(h, 1e-12f);
    }

    /** (B, 1+N, in) -> NDList(cls (B, K), patches (B, N, K2)); (B, in) -> NDList(cls (B, K)). */
    public NDList forwardAll(ParameterStore ps, NDArray x, boolean training) {
        NDArray z = bottleneck(ps, x, training);
        if (z.getShape().dimension() == 2) return new NDList(lastLayer.forward(ps, z, training));
        NDArray cls = lastLayer.forward(ps, z.get(new NDIndex(":, 0")), training);
        NDArray patches = lastLayer2.forward(ps, z.get(new NDIndex(":, 1:")), training);
        return new NDList(cls, patches);
    }

    /**
     * Whether every output row depends on its own input token only (no norm across tokens: this head has no BN
     * option), so the head may run on any subset of the tokens and give the same rows as on all of them.
     */
    public boolean tokenWise() { return true; }

    /**
     * The head on a flat set of token rows (R, in): the first {@code clsRows} rows are CLS tokens (through
     * last_layer), the others patch tokens (through last_layer2). Returns NDList(cls (clsRows, K), patches
     * (R - clsRows, K2)), or NDList(cls) alone when every row is a CLS row; the rows equal those of {@link #forwardAll} on the same tokens (the head is token-wise).
     */
    public NDList forwardRows(ParameterStore ps, NDArray rows, int clsRows, boolean training) {
        long r = rows.getShape().get(0);
        if (rows.getShape().dimension() != 2 || clsRows < 0 || clsRows > r) {
            throw new IllegalArgumentException("iBOT head rows " + rows.getShape() + " with " + clsRows + " CLS rows");
        }
        NDArray z = bottleneck(ps, rows, training);
        if (clsRows == r) return new NDList(lastLayer.forward(ps, z, training));
        if (shared()) {
            NDArray all = lastLayer.forward(ps, z, training);
            return new NDList(all.get(new NDIndex("0:" + clsRows)), all.get(new NDIndex(clsRows + ":")));
        }
        NDArray cls = lastLayer.forward(ps, z.get(new NDIndex("0:" + clsRows)), training);
        NDArray patches = lastLayer2.forward(ps, z.get(new NDIndex(clsRows + ":")), training);
        return new NDList(cls, patches);
    }

    /**
     * The head on all tokens (B, 1+N, in) with the patch logits only where they are read: NDList(cls (B, K),
     * patchSum (1, K2) = the sum of the patch logits over all B*N patches, computed as last_layer2 of the sum of
     * the bottleneck rows (the last layer is linear without bias), patches (M, K2) at the flat positions
     * {@code b * N + i} (present only when M > 0)). For the teacher: its patch centre needs the mean over all
     * patches, its loss the masked rows only.
     */
    public NDList forwardGathered(ParameterStore ps, NDArray x, long[] positions, boolean training) {
        if (x.getShape().dimension() != 3) throw new IllegalArgumentException("iBOT head: (B, 1+N, in) expected, got " + x.getShape());
        NDArray z = bottleneck(ps, x, training);
        long bn = z.getShape().get(2);
        NDArray cls = lastLayer.forward(ps, z.get(new NDIndex(":, 0")), training);
        NDArray zp = z.get(new NDIndex(":, 1:"));
        NDArray sum = lastLayer2.forward(ps, zp.sum(new int[] {0, 1}).reshape(1, bn), training);
        if (positions.length == 0) return new NDList(cls, sum);
        NDArray rows = zp.reshape(-1, bn).get(new NDIndex("{}", z.getManager().create(positions).duplicate()));
        return new NDList(cls, sum, lastLayer2.forward(ps, rows, training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     ai.djl.util.PairList<String, Object> params) {
        return forwardAll(ps, inputs.singletonOrThrow(), training);
    }
}
