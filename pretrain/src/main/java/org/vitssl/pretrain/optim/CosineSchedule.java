package org.vitssl.pretrain.optim;

/**
 * DINO's {@code cosine_scheduler} (utils.py), evaluated per iteration without materialising the array.
 *
 * <pre>
 *   W = warmupEpochs * itersPerEpoch,  T = epochs * itersPerEpoch - W
 *   i &lt; W : linspace(start, base, W)[i]  (inclusive, so value(W-1) == base; numpy's i*step + start)
 *   i &gt;= W: final + 0.5 (base - final) (1 + cos(pi (i - W) / T))
 * </pre>
 * The last value is close to, but not equal to, {@code final}. Indices past the end (a run extended
 * beyond its planned length) keep the last value rather than failing.
 */
public final class CosineSchedule {
    private final double base;
    private final double fin;
    private final long warmupIters;
    private final long totalIters;
    private final double start;

    public CosineSchedule(double base, double fin, int epochs, long itersPerEpoch, int warmupEpochs, double start) {
        if (epochs < 1 || itersPerEpoch < 1) {
            throw new IllegalArgumentException("a schedule needs epochs >= 1 and iterations per epoch >= 1, got "
                    + epochs + " and " + itersPerEpoch);
        }
        if (warmupEpochs < 0 || warmupEpochs >= epochs) {
            throw new IllegalArgumentException("warm-up epochs " + warmupEpochs + " must be in [0, " + epochs + ")");
        }
        this.base = base;
        this.fin = fin;
        this.start = start;
        this.warmupIters = (long) warmupEpochs * itersPerEpoch;
        this.totalIters = (long) epochs * itersPerEpoch;
    }

    /** Without warm-up (weight decay, teacher momentum). */
    public CosineSchedule(double base, double fin, int epochs, long itersPerEpoch) {
        this(base, fin, epochs, itersPerEpoch, 0, 0.0);
    }

    public long length() { return totalIters; }

    public double valueAt(long iteration) {
        if (iteration < 0) throw new IllegalArgumentException("negative iteration " + iteration);
        long i = Math.min(iteration, totalIters - 1);
        if (i < warmupIters) return linspace(start, base, warmupIters, i);
        long t = totalIters - warmupIters;
        double k = i - warmupIters;
        return fin + 0.5 * (base - fin) * (1 + Math.cos(Math.PI * k / t));
    }

    /** numpy.linspace(a, b, n)[i]: i*step + a with step = (b-a)/(n-1), the last element exactly b. */
    static double linspace(double a, double b, long n, long i) {
        if (n == 1) return a;
        if (i == n - 1) return b;
        double step = (b - a) / (n - 1);
        return i * step + a;
    }
}
