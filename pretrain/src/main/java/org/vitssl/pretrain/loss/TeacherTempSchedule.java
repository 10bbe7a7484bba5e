package org.vitssl.pretrain.loss;

/**
 * Per-epoch teacher temperature (ALGORITHMS.md section 4.1 / 4.2). The schedule is indexed by the
 * <b>epoch</b>, never by the iteration:
 *
 * <pre>
 *   tau(e) = warmup                                                   for e &lt; hold
 *   tau(e) = linspace(warmup, final, warmupEpochs)[e - hold]          for hold &lt;= e &lt; hold + warmupEpochs
 *   tau(e) = final                                                    otherwise
 * </pre>
 *
 * linspace includes both endpoints (numpy semantics: with one point it is {@code [warmup]}).
 * {@code hold} is iBOT's {@code pred_start_epoch} for the patch temperature; it is 0 for DINO.
 */
public final class TeacherTempSchedule {
    private final double warmup;
    private final double fin;
    private final int warmupEpochs;
    private final int holdEpochs;

    public TeacherTempSchedule(double warmup, double fin, int warmupEpochs, int holdEpochs) {
        if (!(warmup > 0) || !(fin > 0)) throw new IllegalArgumentException("temperatures must be positive: " + warmup + ", " + fin);
        if (warmupEpochs < 0 || holdEpochs < 0) throw new IllegalArgumentException("epoch counts must be >= 0");
        this.warmup = warmup;
        this.fin = fin;
        this.warmupEpochs = warmupEpochs;
        this.holdEpochs = holdEpochs;
    }

    public TeacherTempSchedule(double warmup, double fin, int warmupEpochs) {
        this(warmup, fin, warmupEpochs, 0);
    }

    /** Teacher temperature of epoch {@code epoch} (0-based). */
    public double at(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        if (epoch < holdEpochs) return warmup;
        int e = epoch - holdEpochs;
        if (e < warmupEpochs) {
            if (warmupEpochs == 1) return warmup;
            return warmup + (fin - warmup) * e / (double) (warmupEpochs - 1);
        }
        return fin;
    }

    public double warmup() { return warmup; }
    public double finalTemp() { return fin; }
    public int warmupEpochs() { return warmupEpochs; }
    public int holdEpochs() { return holdEpochs; }

    @Override
    public String toString() {
        return "TeacherTempSchedule(" + warmup + " -> " + fin + " over " + warmupEpochs + " epochs, hold " + holdEpochs + ")";
    }
}
