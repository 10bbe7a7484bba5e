package org.vitssl.pretrain.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.pretrain.optim.AdamW;
import org.vitssl.pretrain.optim.Ema;
import org.vitssl.pretrain.optim.GradientClipping;
import org.vitssl.pretrain.optim.Gradients;
import org.vitssl.pretrain.optim.OptimSettings;
import org.vitssl.pretrain.optim.ParamGroups;
import org.vitssl.pretrain.optim.TrainingSchedules;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The teacher-student training loop (ALGORITHMS.md section 6), for any {@link TrainingTask}. Per step, in its
 * own NDManager sub-scope:
 * <ol>
 *   <li>position and schedules: lr(it), wd(it), momentum(it), teacher temperature(epoch);</li>
 *   <li>seeds libtorch and a Java SplittableRandom from (seed, step), so drop path, masks and every other draw
 *       of the step depend only on the checkpointed (seed, step);</li>
 *   <li>zero_grad, forward (teacher, student, loss with the centre update), a finite-loss check that stops
 *       before anything is applied, backward;</li>
 *   <li>per-parameter clipping, last-layer freezing (epoch &lt; freeze_last_layer: AdamW skips those
 *       parameters entirely), AdamW step, EMA of the teacher over common names;</li>
 *   <li>progress line / metrics.jsonl every N steps, collapse monitor, checkpoints every N steps and at epoch end.</li>
 * </ol>
 * Data order comes from the {@link BatchSource} (a function of seed and epoch) opened at the checkpointed batch,
 * so a resumed run continues exactly where the checkpoint was taken.
 */
public final class Trainer<B> implements AutoCloseable {
    private final TrainerSettings settings;
    private final OptimSettings optim;
    private final TrainingTask<B> task;
    private final BatchSource<B> data;
    private final String configText;
    private final Configuration hadoop;
    private final PrintStream log;
    private final NDManager base;
    private final AdamW adamw;
    private final TrainingSchedules schedules;
    private final CheckpointStore store;
    private final MetricsLog metrics;
    private final String architecture;
    private StepListener listener = (s, l) -> {};

    private long step;
    private int epoch;
    private int batchInEpoch;
    private String lastCheckpoint;
    private final Map<String, Double> lastSchedule = new LinkedHashMap<>();

    /** Called after every completed step (tests, benchmarks). */
    public interface StepListener {
        void afterStep(long stepsDone, float loss);
    }

    /** How a run ended. */
    public record Result(long steps, int epoch, float lastLoss, String lastCheckpoint, boolean resumed) {}

    public Trainer(TrainerSettings settings, OptimSettings optim, TrainingTask<B> task, BatchSource<B> data,
                   String configText, Configuration hadoop, NDManager base, PrintStream log) {
        this.settings = settings;
        this.optim = optim;
        this.task = task;
        this.data = data;
        this.configText = configText;
        this.hadoop = hadoop;
        this.log = log;
        this.base = base;
        this.adamw = new AdamW(task.student(), optim, base);
        this.schedules = TrainingSchedules.of(optim, settings.totalBatch(), data.batchesPerEpoch());
        this.store = new CheckpointStore(settings.runDir(), settings.keep(), hadoop);
        this.metrics = new MetricsLog(settings.runDir(), hadoop);
        this.architecture = "student:" + ParameterIO.fingerprint(task.student()) + "teacher:" + ParameterIO.fingerprint(task.teacher());
    }

    public void setListener(StepListener l) { this.listener = l; }

    public CheckpointStore checkpoints() { return store; }

    public long stepsDone() { return step; }

    /** Loads the newest complete checkpoint, if resuming is on and there is one. */
    public boolean resumeIfPossible() {
        if (!settings.resume()) return false;
        Optional<CheckpointStore.Entry> latest = store.latest();
        if (latest.isEmpty()) return false;
        load(latest.get());
        return true;
    }

    /** Loads one checkpoint; refuses another architecture with the mismatching keys. */
    public void load(CheckpointStore.Entry e) {
        try (NDManager m = base.newSubManager()) {
            CheckpointStore.Contents c = store.read(e, m);
            ParameterIO.load(task.student(), task.buffers(), c.student(), e.dir() + "/" + CheckpointStore.STUDENT);
            ParameterIO.load(task.teacher(), c.teacher(), e.dir() + "/" + CheckpointStore.TEACHER);
            adamw.loadState(c.optimizer());
            task.setCentres(c.state().centres());
            step = c.state().step();
            epoch = c.state().epoch();
            batchInEpoch = c.state().batchInEpoch();
            if (c.state().seed() != settings.seed()) {
                throw new IllegalArgumentException(e.dir() + " was written with seed " + c.state().seed()
                        + ", this run has vitssl.pretrain.seed = " + settings.seed());
            }
            lastCheckpoint = e.dir();
            metrics.truncateAfter(step);
            log.printf("resumed from %s: step %d, epoch %d, batch %d%n", e.dir(), step, epoch, batchInEpoch);
        }
    }

    /** Trains until the end of the schedule, or until {@code maxSteps} steps are done in total (< 0: no limit). */
    public Result run(long maxSteps) {
        boolean resumed = resumeIfPossible();
        if (!resumed && step == 0 && settings.checkpointAtStart()) checkpoint();
        int bpe = data.batchesPerEpoch();
        long total = (long) optim.epochs() * bpe;
        long limit = maxSteps < 0 ? total : Math.min(total, maxSteps);
        float lastLoss = Float.NaN;
        Progress progress = new Progress(limit);
        while (step < limit && epoch < optim.epochs()) {
            try (BatchSource.Batches<B> batches = data.open(epoch, batchInEpoch)) {
                while (step < limit) {
                    long t0 = System.nanoTime();
                    if (!batches.hasNext()) {
                        throw new IllegalStateException("the data source ended at batch " + batchInEpoch + " of "
                                + bpe + " in epoch " + epoch);
                    }
                    B batch = batches.next();
                    long t1 = System.nanoTime();
                    lastLoss = oneStep(batch, progress);
                    long t2 = System.nanoTime();
                    progress.time(t1 - t0, t2 - t1);
                    batchInEpoch++;
                    boolean epochEnd = batchInEpoch == bpe;
                    if (epochEnd) { epoch++; batchInEpoch = 0; }
                    listener.afterStep(step, lastLoss);
                    if (step % settings.progressEverySteps() == 0 || step == limit) {
                        progress.report(lastLoss);
                    }
                    boolean due = settings.checkpointEverySteps() > 0 && step % settings.checkpointEverySteps() == 0;
                    if (due || (epochEnd && settings.checkpointAtEpochEnd())) checkpoint();
                    if (epochEnd) break;
                }
            }
        }
        if (step == limit && (lastCheckpoint == null || !lastCheckpoint.endsWith("step-" + step))) checkpoint();
        metrics.flush();
        return new Result(step, epoch, lastLoss, lastCheckpoint, resumed);
    }

    private float oneStep(B batch, Progress progress) {
        long it = step;
        double lr = schedules.lr(it);
        double wd = schedules.weightDecay(it);
        double momentum = schedules.momentum(it);
        double tt = schedules.teacherTemp(epoch);
        JniUtils.setSeed(TrainState.streamSeed(settings.seed(), it, 0));
        SplittableRandom rng = new SplittableRandom(TrainState.streamSeed(settings.seed(), it, 1));
        LinkedHashMap<String, Parameter> student = task.student();
        float loss;
        Map<String, Float> terms = new LinkedHashMap<>();
        try (NDManager sm = base.newSubManager()) {
            Gradients.zero(student);
            TrainingTask.StepOutput out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out = task.forward(sm, batch, new TrainingTask.StepContext(epoch, it, tt, rng));
                loss = out.loss().getFloat();
                if (!Float.isFinite(loss)) {
                    metrics.flush();
                    throw new NonFiniteLossException(it, epoch, loss, lastCheckpoint);
                }
                gc.backward(out.loss());
            }
            for (Map.Entry<String, NDArray> t : out.terms().entrySet()) terms.put(t.getKey(), t.getValue().getFloat());
            GradientClipping.clipPerParameter(student, optim.clipGrad());
            Predicate<String> frozen = epoch < optim.freezeLastLayerEpochs() ? ParamGroups::isLastLayer : null;
            adamw.step(lr, wd, frozen);
            Ema.update(task.teacher(), student, momentum);
            if (settings.collapseEverySteps() > 0 && (it + 1) % settings.collapseEverySteps() == 0) {
                if (out.teacherProbs() != null) {
                    CollapseMonitor.Reading r = CollapseMonitor.read(out.teacherProbs());
                    progress.collapse = r;
                    log.printf("collapse monitor at step %d: teacher entropy %.4f, entropy of the mean %.4f, ln K %.4f: %s%n",
                            it + 1, r.sampleEntropy(), r.meanEntropy(), r.lnK(), r.verdict());
                } else if (out.embeddings() != null) {
                    CollapseMonitor.StdReading r = CollapseMonitor.readStd(out.embeddings());
                    progress.collapseStd = r;
                    log.printf("collapse monitor at step %d: embedding std %.4f, 1/sqrt(d) %.4f: %s%n",
                            it + 1, r.meanStd(), r.reference(), r.verdict());
                }
            }
        }
        step++;
        lastSchedule.put("lr", lr);
        lastSchedule.put("wd", wd);
        lastSchedule.put("momentum", momentum);
        lastSchedule.put("teacher_temp", tt);
        progress.terms = terms;
        return loss;
    }

    /** Writes a checkpoint of the current state (after a completed step). */
    public String checkpoint() {
        try (NDManager m = base.newSubManager()) {
            LinkedHashMap<String, NDArray> teacherBackbone = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : task.exported().entrySet()) {
                if (e.getKey().startsWith("backbone.")) {
                    teacherBackbone.put(e.getKey().substring("backbone.".length()), e.getValue().getArray());
                }
            }
            TrainState state = new TrainState(step, epoch, batchInEpoch, settings.seed(), task.centres(),
                    new LinkedHashMap<>(lastSchedule), architecture);
            lastCheckpoint = store.write(new CheckpointStore.Contents(ParameterIO.arrays(task.student(), task.buffers()),
                    ParameterIO.arrays(task.teacher()), adamw.stateArrays(m), teacherBackbone, state, configText));
        }
        metrics.flush();
        return lastCheckpoint;
    }

    @Override
    public void close() {
        metrics.flush();
        adamw.close();
    }

    /** Progress line, metrics record, throughput and ETA. */
    private final class Progress {
        private final long limit;
        private final long start = System.nanoTime();
        private final long startStep = step;
        private long windowStart = System.nanoTime();
        private long windowSteps;
        private long waitNs;
        private long computeNs;
        Map<String, Float> terms = Map.of();
        CollapseMonitor.Reading collapse;
        CollapseMonitor.StdReading collapseStd;

        Progress(long limit) { this.limit = limit; }

        void time(long wait, long compute) {
            waitNs += wait;
            computeNs += compute;
            windowSteps++;
        }

        void report(float loss) {
            long now = System.nanoTime();
            double secs = (now - windowStart) / 1e9;
            double imgs = windowSteps * (double) data.imagesPerBatch() / Math.max(secs, 1e-9);
            double perStep = (now - start) / 1e9 / Math.max(1, step - startStep);
            double eta = perStep * (limit - step);
            double stepMs = windowSteps == 0 ? 0 : (waitNs + computeNs) / 1e6 / windowSteps;
            double waitPct = waitNs + computeNs == 0 ? 0 : 100.0 * waitNs / (waitNs + computeNs);
            StringBuilder t = new StringBuilder();
            for (Map.Entry<String, Float> e : terms.entrySet()) t.append(' ').append(e.getKey()).append(' ').append(String.format("%.4f", e.getValue()));
            log.printf("epoch %d step %d/%d loss %.4f%s lr %.3e wd %.4f m %.5f tt %.4f | %.1f img/s, step %.0f ms, data wait %.0f%% | ETA %s%n",
                    epoch, step, limit, loss, t, lastSchedule.get("lr"), lastSchedule.get("wd"),
                    lastSchedule.get("momentum"), lastSchedule.get("teacher_temp"), imgs, stepMs, waitPct, hms(eta));
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("step", step);
            rec.put("epoch", epoch);
            rec.put("loss", (double) loss);
            for (Map.Entry<String, Float> e : terms.entrySet()) rec.put("loss_" + e.getKey(), (double) e.getValue());
            rec.putAll(lastSchedule);
            rec.put("images_per_s", imgs);
            rec.put("step_ms", stepMs);
            rec.put("data_wait_fraction", waitPct / 100);
            if (collapse != null) {
                rec.put("teacher_entropy", collapse.sampleEntropy());
                rec.put("teacher_mean_entropy", collapse.meanEntropy());
                rec.put("ln_k", collapse.lnK());
                collapse = null;
            }
            if (collapseStd != null) {
                rec.put("embedding_std", collapseStd.meanStd());
                rec.put("embedding_std_ref", collapseStd.reference());
                collapseStd = null;
            }
            rec.put("time", System.currentTimeMillis() / 1000.0);
            metrics.add(rec);
            windowStart = now;
            windowSteps = 0;
            waitNs = 0;
            computeNs = 0;
        }
    }

    static String hms(double s) {
        long x = Math.round(s);
        return String.format("%dh%02dm%02ds", x / 3600, (x / 60) % 60, x % 60);
    }
}
