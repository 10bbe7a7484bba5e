package org.vitssl.pretrain.optim;

/**
 * Every schedule of a run, per iteration (LR, WD, teacher momentum) or per epoch (teacher temperature),
 * as in DINO / iBOT main_*.py:
 * <ul>
 *   <li>LR: base = lr * totalBatch / 256, linear warm-up from {@code warmupStartFactor * base} (DINO: 0) over
 *       {@code warmupEpochs}, cosine to {@code minLr + minLrFactor * base} (DINO: min_lr);</li>
 *   <li>WD: cosine from wd to wd_end, no warm-up;</li>
 *   <li>teacher momentum: cosine from m to 1, no warm-up;</li>
 *   <li>teacher temperature: linear warm-up per epoch, then constant.</li>
 * </ul>
 */
public final class TrainingSchedules {
    private final CosineSchedule lr;
    private final CosineSchedule wd;
    private final CosineSchedule momentum;
    private final TeacherTemperatureSchedule teacherTemp;
    private final long itersPerEpoch;

    public TrainingSchedules(CosineSchedule lr, CosineSchedule wd, CosineSchedule momentum,
                             TeacherTemperatureSchedule teacherTemp, long itersPerEpoch) {
        this.lr = lr;
        this.wd = wd;
        this.momentum = momentum;
        this.teacherTemp = teacherTemp;
        this.itersPerEpoch = itersPerEpoch;
    }

    /** Builds the schedules from settings; {@code totalBatch} is the batch over all devices. */
    public static TrainingSchedules of(OptimSettings s, int totalBatch, long itersPerEpoch) {
        double peak = s.lr() * totalBatch / 256.0;
        CosineSchedule lr = new CosineSchedule(peak, s.minLr() + s.minLrFactor() * peak, s.epochs(), itersPerEpoch,
                s.warmupEpochs(), s.warmupStartFactor() * peak);
        CosineSchedule wd = new CosineSchedule(s.weightDecay(), s.weightDecayEnd(), s.epochs(), itersPerEpoch);
        CosineSchedule m = new CosineSchedule(s.momentumTeacher(), 1.0, s.epochs(), itersPerEpoch);
        TeacherTemperatureSchedule tt = new TeacherTemperatureSchedule(s.warmupTeacherTemp(), s.teacherTemp(),
                s.warmupTeacherTempEpochs(), s.epochs());
        return new TrainingSchedules(lr, wd, m, tt, itersPerEpoch);
    }

    public double lr(long it) { return lr.valueAt(it); }

    public double weightDecay(long it) { return wd.valueAt(it); }

    public double momentum(long it) { return momentum.valueAt(it); }

    public double teacherTemp(int epoch) { return teacherTemp.valueAt(epoch); }

    public long itersPerEpoch() { return itersPerEpoch; }

    public long totalIters() { return lr.length(); }
}
