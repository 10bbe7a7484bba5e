package org.vitssl.pretrain.optim;

/**
 * The per-epoch teacher temperature of DINOLoss / iBOTLoss:
 * {@code concat(linspace(warmup, final, warmupEpochs), ones(epochs - warmupEpochs) * final)}.
 * Epochs past the end keep the final value.
 */
public final class TeacherTemperatureSchedule {
    private final double warmup;
    private final double fin;
    private final int warmupEpochs;

    public TeacherTemperatureSchedule(double warmup, double fin, int warmupEpochs, int epochs) {
        if (warmupEpochs < 0 || warmupEpochs > epochs) {
            throw new IllegalArgumentException("teacher temperature warm-up epochs " + warmupEpochs
                    + " must be in [0, " + epochs + "]");
        }
        this.warmup = warmup;
        this.fin = fin;
        this.warmupEpochs = warmupEpochs;
    }

    public double valueAt(int epoch) {
        if (epoch < warmupEpochs) return CosineSchedule.linspace(warmup, fin, warmupEpochs, epoch);
        return fin;
    }
}
