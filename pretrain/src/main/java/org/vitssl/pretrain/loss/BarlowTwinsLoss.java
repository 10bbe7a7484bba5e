package org.vitssl.pretrain.loss;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
 *
 * <p>Where n is small against d (the usual case: batch 128-2048, projector 1024-8192), C is never formed:
 * with the n x n Gram matrices G_v = z^_v z^_v^T,
 * <pre>
 *   sum_{k,l} C_kl^2 = &lt;G_1, G_2&gt;_F / n^2          (||A^T B||_F^2 = tr(A A^T B B^T))
 *   C_kk            = sum_b z^1_bk z^2_bk / n
 *   L = sum_k (1 - C_kk)^2 + lambda (sum_{k,l} C_kl^2 - sum_k C_kk^2)
 * </pre>
 * which costs V n^2 d multiply-adds for V views instead of n d^2 per pair (DINO Twins sums over all crop pairs).
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
        return pairSum(batchNorm(NDArrays.stack(new NDList(z1, z2)), eps), lambda);
    }

    public double lambda() { return lambda; }
    public double eps() { return eps; }

    static void check(NDArray z1, NDArray z2) {
        if (z1.getShape().dimension() != 2 || !z1.getShape().equals(z2.getShape())) {
            throw new IllegalArgumentException("Barlow Twins: embeddings must both be (n, d), got " + z1.getShape() + " and " + z2.getShape());
        }
        if (z1.getShape().get(0) < 2) throw new IllegalArgumentException("Barlow Twins needs at least 2 rows per batch");
    }

    /** (z - mean) / sqrt(biased var + eps) along the batch axis (the rows: axis 0 of (n, d), 1 of (V, n, d)). */
    static NDArray batchNorm(NDArray z, double eps) {
        int[] rows = {rowAxis(z)};
        NDArray c = z.sub(z.mean(rows, true));
        NDArray var = c.square().mean(rows, true);
        return c.div(var.add((float) eps).sqrt());
    }

    /** (z - mean) / std with the unbiased (n-1) standard deviation, no eps (DINO Twins); rows as in batchNorm. */
    static NDArray unbiasedStandardise(NDArray z) {
        int[] rows = {rowAxis(z)};
        long n = z.getShape().get(rows[0]);
        NDArray c = z.sub(z.mean(rows, true));
        NDArray std = Scalars.div(c.square().sum(rows, true), (float) (n - 1)).sqrt();
        return c.div(std);
    }

    private static int rowAxis(NDArray z) { return z.getShape().dimension() - 2; }

    /**
     * sum over the view pairs i &lt; j of BT(a_i, a_j), a (V, n, d) standardised views: by the Gram
     * matrices where that takes fewer multiply-adds, else one d x d cross-correlation per pair.
     */
    static NDArray pairSum(NDArray a, double lambda) {
        Shape s = a.getShape();
        return usesGram(s.get(0), s.get(1), s.get(2)) ? gramPairSum(a, lambda) : directPairSum(a, lambda);
    }

    /** Whether pairSum takes the Gram path for V views of (n, d): fewer multiply-adds than one C per pair. */
    static boolean usesGram(long v, long n, long d) {
        double gram = (double) v * n * n * d + (double) v * v * n * n + (double) v * v * n * d;
        return gram < v * (v - 1) / 2.0 * n * d * d;
    }

    /** pairSum with C formed for each pair (n d^2 per pair). */
    static NDArray directPairSum(NDArray a, double lambda) {
        long v = a.getShape().get(0);
        NDArray sum = null;
        for (int i = 0; i < v; i++) {
            for (int j = i + 1; j < v; j++) {
                NDArray t = crossCorrelationLoss(a.get(i), a.get(j), lambda);
                sum = sum == null ? t : sum.add(t);
            }
        }
        return sum;
    }

    /** pairSum through the Gram matrices (V n^2 d + V^2 n^2 + V^2 n d multiply-adds); see the class comment. */
    static NDArray gramPairSum(NDArray a, double lambda) {
        long v = a.getShape().get(0), n = a.getShape().get(1);
        NDManager m = a.getManager();
        NDArray gram = a.matMul(a.transpose(0, 2, 1)).reshape(v, n * n);                          // (V, n^2)
        NDArray frobenius = Scalars.div(gram.matMul(gram.transpose()), (float) n * n);            // (V, V)
        // C_kk of every pair as one batched product over k, (d, V, n) x (d, n, V) -> (d, V, V): no (V, V, n, d) broadcast.
        NDArray diag = Scalars.div(a.transpose(2, 0, 1).matMul(a.transpose(2, 1, 0)), (float) n).transpose(1, 2, 0); // (V, V, d)
        NDArray onDiag = diag.neg().add(1f).square().sum(new int[] {2});                          // (V, V)
        NDArray offDiag = frobenius.sub(diag.square().sum(new int[] {2}));
        NDArray perPair = onDiag.add(Scalars.mul(offDiag, (float) lambda));
        // BT(i, j) = BT(j, i): half the sum over i != j. The mask is made by libtorch (ones, eye), not from a Java
        // buffer, because autograd keeps it for the backward pass (see Scalars).
        NDArray offPairs = m.ones(new Shape(v, v)).sub(m.eye((int) v)).toType(perPair.getDataType(), false);
        return Scalars.mul(perPair.mul(offPairs).sum(), 0.5f).toType(DataType.FLOAT32, false);
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
