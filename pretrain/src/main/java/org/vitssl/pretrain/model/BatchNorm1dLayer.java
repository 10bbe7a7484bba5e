package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch BatchNorm1d on (B, C) inputs.
 * <ul>
 *   <li>training: y = (x - mean_B) / sqrt(var_B + eps) * weight + bias, with the batch mean and the
 *       biased batch variance; then running_mean = (1 - m) running_mean + m mean_B and running_var =
 *       (1 - m) running_var + m var_B * B / (B - 1) (unbiased), num_batches_tracked += 1;</li>
 *   <li>evaluation: the running statistics replace the batch ones.</li>
 * </ul>
 * Without {@code affine} there are no weight/bias parameters. The running statistics are buffers
 * ({@link #namedBuffers()}), not trainable parameters.
 */
public final class BatchNorm1dLayer extends NamedBlock {
    private final long dim;
    private final float eps;
    private final float momentum;
    private final Parameter weight;
    private final Parameter bias;
    private NDArray runningMean;
    private NDArray runningVar;
    private NDArray numBatches;

    public BatchNorm1dLayer(long dim, boolean affine, double eps, double momentum) {
        this.dim = dim;
        this.eps = (float) eps;
        this.momentum = (float) momentum;
        weight = affine ? param("weight", new Shape(dim), Init.ONES, Parameter.Type.GAMMA) : null;
        bias = affine ? param("bias", new Shape(dim), Init.ZEROS, Parameter.Type.BETA) : null;
    }

    /** PyTorch defaults: affine, eps 1e-5, momentum 0.1. */
    public BatchNorm1dLayer(long dim) {
        this(dim, true, 1e-5, 0.1);
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        if (runningMean == null) {
            runningMean = manager.zeros(new Shape(dim), dataType);
            runningVar = manager.ones(new Shape(dim), dataType);
            numBatches = manager.zeros(new Shape(), DataType.INT64);
        }
    }

    @Override
    protected Map<String, NDArray> ownBuffers() {
        if (runningMean == null) return Map.of();
        LinkedHashMap<String, NDArray> m = new LinkedHashMap<>();
        m.put("running_mean", runningMean);
        m.put("running_var", runningVar);
        m.put("num_batches_tracked", numBatches);
        return m;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        if (x.getShape().dimension() != 2 || x.getShape().get(1) != dim) {
            throw new IllegalArgumentException("BatchNorm1d(" + dim + ") expects (B, " + dim + "), got " + x.getShape());
        }
        NDManager m = x.getManager();
        NDArray y;
        if (training) {
            long n = x.getShape().get(0);
            if (n < 2) throw new IllegalArgumentException("BatchNorm1d in training mode needs a batch of at least 2");
            NDArray mean = x.mean(new int[] {0});
            NDArray centred = x.sub(mean);
            NDArray var = centred.square().mean(new int[] {0});
            y = centred.div(var.add(eps).sqrt());
            try (NDManager tmp = m.newSubManager()) {
                NDArray mb = mean.stopGradient();
                NDArray vb = var.stopGradient();
                mb.attach(tmp);
                vb.attach(tmp);
                runningMean.muli(1 - momentum).addi(mb.mul(momentum));
                runningVar.muli(1 - momentum).addi(vb.mul(momentum * (double) n / (n - 1)));
                numBatches.addi(1);
            }
        } else {
            y = x.sub(runningMean).div(own(runningVar.add(eps), m).sqrt());
        }
        if (weight != null) {
            y = y.mul(value(ps, weight, x, training)).add(value(ps, bias, x, training));
        }
        return y;
    }
}
