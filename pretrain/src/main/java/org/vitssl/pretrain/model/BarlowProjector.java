package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import com.typesafe.config.Config;

import java.util.ArrayList;
import java.util.List;

/**
 * Barlow Twins projector (ALGORITHMS.md 3.3), sizes s_0 = in, s_1 ... s_L:
 * <pre>
 *   for i in 0 .. L-2:  x = ReLU(BN_i(x W_i^T))     Linear(s_i, s_{i+1}, no bias), BatchNorm1d(s_{i+1})
 *   out = x W_{L-1}^T                               Linear(s_{L-1}, s_L, no bias)
 * </pre>
 * Names follow the reference nn.Sequential: Linear at 3i ({@code 0.weight}, {@code 3.weight}, ...), BN at
 * 3i+1 ({@code 1.weight}, {@code 1.bias}, buffers {@code 1.running_mean} ...), the last Linear at 3(L-1).
 * BN uses batch statistics in training (biased variance, eps 1e-5) and running ones otherwise.
 * PyTorch default init (Linear U(+-1/sqrt(in)), BN 1/0). The non-affine BatchNorm applied to both
 * branches' embeddings inside the Barlow Twins loss belongs to the loss, not to this block.
 */
public final class BarlowProjector extends NamedBlock {
    private final List<LinearLayer> linears = new ArrayList<>();
    private final List<BatchNorm1dLayer> norms = new ArrayList<>();

    public BarlowProjector(long in, long[] sizes) {
        if (sizes.length < 1) throw new IllegalArgumentException("the projector needs at least one layer size");
        long from = in;
        for (int i = 0; i < sizes.length - 1; i++) {
            linears.add(child(Integer.toString(3 * i), LinearLayer.torchDefault(from, sizes[i], false)));
            norms.add(child(Integer.toString(3 * i + 1), new BatchNorm1dLayer(sizes[i])));
            from = sizes[i];
        }
        linears.add(child(Integer.toString(3 * (sizes.length - 1)), LinearLayer.torchDefault(from, sizes[sizes.length - 1], false)));
    }

    /** From {@code vitssl.model.barlow-projector}. */
    public static BarlowProjector fromConfig(long in, Config c) {
        List<Integer> l = c.getIntList("sizes");
        long[] s = new long[l.size()];
        for (int i = 0; i < s.length; i++) {
            if (l.get(i) < 1) throw new IllegalArgumentException("barlow-projector.sizes must be positive, got " + l);
            s[i] = l.get(i);
        }
        return new BarlowProjector(in, s);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = x;
        for (int i = 0; i < norms.size(); i++) {
            h = HeadOps.relu(norms.get(i).forward(ps, linears.get(i).forward(ps, h, training), training));
        }
        return linears.get(linears.size() - 1).forward(ps, h, training);
    }
}
