package org.vitssl.pretrain.loss;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;

/**
 * DINO Twins combined loss (ALGORITHMS.md section 4.4).
 *
 * <pre>
 *   L_dino = DINO loss (section 4.1) on the DINO head: tau_s 0.1, tau_t 0.04 -> 0.07 over 10 epochs,
 *            centre momentum 0.9 (single device), teacher on crops[:2], student on all crops
 *   z^     = (z - mean) / std over the batch, std unbiased (n - 1), no eps
 *   BT(i,j)= sum_k (1 - C_kk)^2 + lambda sum_{k != l} C_kl^2,   C = z^_i^T z^_j / n       lambda = 5e-3
 *   L_bt   = 1/(n_c (n_c - 1)) * sum_{i != j} beta * BT(z_i, z_j)     beta = 2.5e-3, all ordered crop pairs
 *   L      = L_dino + L_bt
 * </pre>
 *
 * z is the student's separate Barlow projector output for all crops, (ncrops*B, d) crop-major. Since
 * C(j,i) = C(i,j)^T, BT(i,j) = BT(j,i): the sum over ordered pairs is twice the sum over i &lt; j, which is
 * what is computed, through the crops' Gram matrices where that is cheaper (BarlowTwinsLoss): with 6 crops,
 * batch 128 and d 1024 that is 19x fewer multiply-adds than 15 d x d cross-correlations.
 */
public final class DinoTwinsLoss {
    /** The total and its parts. */
    public record Result(NDArray total, NDArray dino, NDArray bt) {}

    private final DinoLoss dino;
    private final double btLambda;
    private final double btBeta;

    public DinoTwinsLoss(DinoLoss dino, double btLambda, double btBeta) {
        if (!(btLambda >= 0) || !(btBeta >= 0)) throw new IllegalArgumentException("bt lambda and beta must be >= 0");
        this.dino = dino;
        this.btLambda = btLambda;
        this.btBeta = btBeta;
    }

    /** DINO Twins defaults (K = outDim). */
    public DinoTwinsLoss(int outDim) {
        this(new DinoLoss(outDim, 0.1, new TeacherTempSchedule(0.04, 0.07, 10), 0.9), 5e-3, 2.5e-3);
    }

    /** Computes the loss for {@code epoch}, then updates the DINO centre. */
    public Result forward(NDArray student, NDArray teacher, NDArray projected, int epoch) {
        int ncrops = CrossViewTerm.ncrops(student, teacher, "DINO Twins loss");
        long b = teacher.getShape().get(0) / 2;
        if (projected.getShape().dimension() != 2 || projected.getShape().get(0) != ncrops * b) {
            throw new IllegalArgumentException("DINO Twins loss: projector output " + projected.getShape()
                    + " must be (ncrops*B = " + (ncrops * b) + ", d)");
        }
        NDArray lDino = dino.forward(student, teacher, epoch);
        NDArray zs = BarlowTwinsLoss.unbiasedStandardise(projected.reshape(ncrops, b, projected.getShape().get(1)));
        NDArray sum = BarlowTwinsLoss.pairSum(zs, btLambda);
        double scale = btBeta * 2.0 / (ncrops * (ncrops - 1.0));
        NDArray lBt = Scalars.mul(sum, (float) scale);
        return new Result(lDino.add(lBt), lDino, lBt);
    }

    public DinoLoss dinoLoss() { return dino; }
    public double btLambda() { return btLambda; }
    public double btBeta() { return btBeta; }
    public float[] center() { return dino.center(); }
    public void setCenter(float[] v) { dino.setCenter(v); }
}
