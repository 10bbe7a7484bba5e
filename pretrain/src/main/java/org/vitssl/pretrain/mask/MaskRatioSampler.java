package org.vitssl.pretrain.mask;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * iBOT's masking-ratio draw (ALGORITHMS.md section 5.1, {@code get_pred_ratio}).
 *
 * <pre>
 *   one entry (pr, var):  r ~ U(pr - var, pr + var) if var &gt; 0, else r = pr
 *   a list:               draw one candidate per entry as above, then pick one uniformly
 *   epoch &lt; pred-start-epoch:  r = 0 (no masking, nothing is drawn)
 * </pre>
 *
 * The recipe {@code pred-ratio = [0, 0.3], pred-ratio-var = [0, 0.2]} gives r = 0 with probability 1/2 and
 * r ~ U(0.1, 0.5) otherwise. Each entry must satisfy 0 &lt;= pr - var and pr + var &lt;= 1.
 */
public final class MaskRatioSampler {
    private final double[] ratios;
    private final double[] vars;
    private final int startEpoch;

    public MaskRatioSampler(double[] ratios, double[] vars, int startEpoch) {
        if (ratios.length == 0 || ratios.length != vars.length) {
            throw new IllegalArgumentException("pred-ratio " + Arrays.toString(ratios) + " and pred-ratio-var "
                    + Arrays.toString(vars) + " must be non-empty lists of the same length");
        }
        for (int i = 0; i < ratios.length; i++) {
            if (vars[i] < 0 || ratios[i] - vars[i] < 0 || ratios[i] + vars[i] > 1) {
                throw new IllegalArgumentException("pred-ratio " + ratios[i] + " +- " + vars[i] + " must stay within [0, 1]");
            }
        }
        if (startEpoch < 0) throw new IllegalArgumentException("pred-start-epoch must be >= 0");
        this.ratios = ratios.clone();
        this.vars = vars.clone();
        this.startEpoch = startEpoch;
    }

    /** A fixed ratio (no variance, no list). */
    public static MaskRatioSampler fixed(double ratio) {
        return new MaskRatioSampler(new double[] {ratio}, new double[] {0}, 0);
    }

    public double draw(SplittableRandom rng, int epoch) {
        if (epoch < startEpoch) return 0.0;
        double[] cand = new double[ratios.length];
        for (int i = 0; i < ratios.length; i++) {
            cand[i] = vars[i] > 0 ? uniform(rng, ratios[i] - vars[i], ratios[i] + vars[i]) : ratios[i];
        }
        return cand.length == 1 ? cand[0] : cand[rng.nextInt(cand.length)];
    }

    public double[] ratios() { return ratios.clone(); }
    public double[] vars() { return vars.clone(); }
    public int startEpoch() { return startEpoch; }

    /** Python's random.uniform(a, b) = a + (b - a) * U[0, 1); also fine when a &gt; b. */
    static double uniform(SplittableRandom rng, double a, double b) {
        return a + (b - a) * rng.nextDouble();
    }
}
