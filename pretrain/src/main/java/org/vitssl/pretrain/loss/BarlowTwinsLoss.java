package org.vitssl.pretrain.loss;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Barlow Twins loss (ALGORITHMS.md section 4.3).
 *
 * <pre>
 *   z^ = (z - mean_batch) / sqrt(var_batch + eps)      non-affine BatchNorm, biased variance, eps = 1e-5
 *   C  = z^1^T z^2 / n                                  (d x d cross-correlation, n = batch rows)
 *   L  = sum_i (1 - C_ii)^2 + lambda * sum_{i != j} C_ij^2          lambda = 0.0051
 * </pre>
 *
 * Inputs: the projector outputs of the two branches, (n, d) each. Single process: the reference's
 * SyncBN and all-reduce of C over workers (n = global batch) are not part of this class.
 */
public final class BarlowTwinsLoss {
    public static final double DEFAULT_LAMBDA = 0.0051;
    public static final double DEFAULT_EPS = 1e-5;

    private final double lambda;
    private final double eps;

    public BarlowTwinsLoss(double lambda, double eps) {
        if (!(lambda >= 0)) throw new IllegalArgumentException("lambda must be >= 0");
        if (!(eps >= 0)) throw new IllegalArgumentException("eps must be >= 0");
        this.lambda = lambda;
        this.eps = eps;
    }

    public BarlowTwinsLoss() {
        this(DEFAULT_LAMBDA, DEFAULT_EPS);
    }

    public NDArray forward(NDArray z1, NDArray z2) {
        check(z1, z2);
        return crossCorrelationLoss(batchNorm(z1, eps), batchNorm(z2, eps), lambda);
    }

    public double lambda() { return lambda; }
    public double eps() { return eps; }

    static void check(NDArray z1, NDArray z2) {
        if (z1.getShape().dimension() != 2 || !z1.getShape().equals(z2.getShape())) {
            throw new IllegalArgumentException("Barlow Twins: embeddings must both be (n, d), got " + z1.getShape() + " and " + z2.getShape());
        }
        if (z1.getShape().get(0) < 2) throw new IllegalArgumentException("Barlow Twins needs at least 2 rows per batch");
    }

    /** (z - mean) / sqrt(biased var + eps) along the batch axis. */
    static NDArray batchNorm(NDArray z, double eps) {
        NDArray c = z.sub(z.mean(new int[] {0}, true));
        NDArray var = c.square().mean(new int[] {0}, true);
        return c.div(var.add((float) eps).sqrt());
    }

    /** (z - mean) / std with the unbiased (n-1) standard deviation, no eps (DINO Twins). */
    static NDArray unbiasedStandardise(NDArray z) {
        long n = z.getShape().get(0);
        NDArray c = z.sub(z.mean(new int[] {0}, true));
        NDArray std = Scalars.div(c.square().sum(new int[] {0}, true), (float) (n - 1)).sqrt();
        return c.div(std);
    }

    /** sum_i (1 - C_ii)^2 + lambda sum_{i != j} C_ij^2 with C = a^T b / n. */
    static NDArray crossCorrelationLoss(NDArray a, NDArray b, double lambda) {
        long n = a.getShape().get(0), d = a.getShape().get(1);
        NDArray cc = Scalars.div(a.transpose().matMul(b), (float) n);                       // (d, d)
        NDArray eye = cc.getManager().eye((int) d).toType(cc.getDataType(), false);
        NDArray diag = cc.mul(eye).sum(new int[] {1});
        NDArray onDiag = diag.neg().add(1f).square().sum();
        NDArray offDiag = cc.square().mul(eye.neg().add(1f)).sum();
        return onDiag.add(Scalars.mul(offDiag, (float) lambda)).toType(DataType.FLOAT32, false);
    }
}
