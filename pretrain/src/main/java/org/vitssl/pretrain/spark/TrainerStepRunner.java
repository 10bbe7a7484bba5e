package org.vitssl.pretrain.spark;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.pretrain.loss.CenterSync;
import org.vitssl.pretrain.optim.AdamW;
import org.vitssl.pretrain.optim.Ema;
import org.vitssl.pretrain.optim.GradientClipping;
import org.vitssl.pretrain.optim.Gradients;
import org.vitssl.pretrain.optim.OptimSettings;
import org.vitssl.pretrain.optim.ParamGroups;
import org.vitssl.pretrain.optim.TrainingSchedules;
import org.vitssl.pretrain.train.CheckpointStore;
import org.vitssl.pretrain.train.ParameterIO;
import org.vitssl.pretrain.train.Safetensors;
import org.vitssl.pretrain.train.TrainState;
import org.vitssl.pretrain.train.TrainingTask;
import org.vitssl.pretrain.train.TrainingTasks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The training loop's method (TrainingTasks: DINO, iBOT, AttMask, Reppas, DINO Twins) and optimiser (AdamW with DINO's
 * per-iteration cosine LR / WD / EMA momentum, per-parameter clipping, last-layer freezing) as a barrier task's
 * replica. Per step, in the loop's order: schedules at the global step, seeded streams, zero_grad, forward
 * (centres all-reduced through CenterSync), backward; then (after the stage averaged the gradients) clipping,
 * freezing, AdamW, EMA. Checkpoints use the loop's layout (CheckpointStore files, names under backbone./head.),
 * so embed and evaluate read them as any other run's.
 */
public final class TrainerStepRunner implements StepRunner {
    /** Serialisable: the resolved configuration as text, parsed on the executor. */
    public record Factory(String configText, long seed, int globalBatch, long batchesPerEpoch)
            implements StepRunnerFactory {
        @Override
        public StepRunner create(Device device, NDManager manager, CenterSync centers) {
            return new TrainerStepRunner(this, manager, centers);
        }
    }

    private static final Object INIT_LOCK = new Object();
    private final Factory f;
    private final OptimSettings optim;
    private final NDManager manager;
    private final TrainingTask<MultiCropBatch> task;
    private final AdamW adamw;
    private final TrainingSchedules schedules;
    private final int rank;
    private final Map<String, Double> lastSchedule = new LinkedHashMap<>();

    TrainerStepRunner(Factory f, NDManager base, CenterSync centers) {
        this.f = f;
        this.manager = base.newSubManager();
        Config c = ConfigFactory.parseString(f.configText()).resolve();
        optim = optimSettings(c);
        synchronized (INIT_LOCK) {
            task = TrainingTasks.create(c, manager, f.seed());
        }
        task.setCenterSync(centers);
        adamw = new AdamW(task.student(), optim, manager);
        schedules = TrainingSchedules.of(optim, f.globalBatch(), f.batchesPerEpoch());
        org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
        rank = tc == null ? 0 : tc.partitionId();
    }

    /** The loop's optimiser settings (the teacher temperatures come from the method's loss section). */
    public static OptimSettings optimSettings(Config c) {
        return TrainingTasks.optim(c);
    }

    @Override
    public LinkedHashMap<String, Parameter> gradientParameters() {
        LinkedHashMap<String, Parameter> g = new LinkedHashMap<>();
        task.student().forEach((k, v) -> { if (v.requiresGradient()) g.put(k, v); });
        return g;
    }

    @Override
    public LinkedHashMap<String, Parameter> replicaParameters() {
        LinkedHashMap<String, Parameter> all = new LinkedHashMap<>();
        task.student().forEach((k, v) -> all.put("student." + k, v));
        task.teacher().forEach((k, v) -> all.put("teacher." + k, v));
        return all;
    }

    @Override
    public float forwardBackward(NDManager m, MultiCropBatch batch, Position p) {
        long it = p.step();
        double tt = schedules.teacherTemp(p.epoch());
        // per-step streams as in the loop, made distinct per rank (each task draws for its own images)
        JniUtils.setSeed(TrainState.streamSeed(f.seed() + rank, it, 0));
        SplittableRandom rng = new SplittableRandom(TrainState.streamSeed(f.seed() + rank, it, 1));
        Gradients.zero(task.student());
        try (ThreadAutograd g = new ThreadAutograd()) {
            TrainingTask.StepOutput out = task.forward(m, batch, new TrainingTask.StepContext(p.epoch(), it, tt, rng));
            float loss = out.loss().getFloat();
            if (!Float.isFinite(loss)) return loss; // the stage stops all ranks before any update
            g.backward(out.loss());
            return loss;
        }
    }

    @Override
    public void update(Position p, long totalSteps) {
        long it = p.step();
        double lr = schedules.lr(it), wd = schedules.weightDecay(it), mom = schedules.momentum(it);
        GradientClipping.clipPerParameter(task.student(), optim.clipGrad());
        Predicate<String> frozen = p.epoch() < optim.freezeLastLayerEpochs() ? ParamGroups::isLastLayer : null;
        adamw.step(lr, wd, frozen);
        Ema.update(task.teacher(), task.student(), mom);
        lastSchedule.put("lr", lr);
        lastSchedule.put("wd", wd);
        lastSchedule.put("momentum", mom);
        lastSchedule.put("teacher_temp", schedules.teacherTemp(p.epoch()));
    }

    @Override
    public void save(String dir, Position p, Configuration hadoop) {
        try (NDManager m = manager.newSubManager()) {
            LinkedHashMap<String, NDArray> backbone = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : task.exported().entrySet()) {
                if (e.getKey().startsWith("backbone.")) backbone.put(e.getKey().substring(9), e.getValue().getArray());
            }
            Safetensors.write(new Path(dir, CheckpointStore.STUDENT).toString(), ParameterIO.arrays(task.student(), task.buffers()), hadoop);
            Safetensors.write(new Path(dir, CheckpointStore.TEACHER).toString(), ParameterIO.arrays(task.teacher()), hadoop);
            Safetensors.write(new Path(dir, CheckpointStore.OPTIMIZER).toString(), adamw.stateArrays(m), hadoop);
            Safetensors.write(new Path(dir, CheckpointStore.TEACHER_BACKBONE).toString(), backbone, hadoop);
        }
        TrainState s = new TrainState(p.step(), p.epoch(), p.batchInEpoch(), f.seed(), task.centres(),
                new LinkedHashMap<>(lastSchedule), "student:" + ParameterIO.fingerprint(task.student())
                + "teacher:" + ParameterIO.fingerprint(task.teacher()));
        HadoopFiles.writeString(new Path(dir, CheckpointStore.STATE).toString(), s.toJson(), hadoop);
    }

    @Override
    public void load(String dir, Configuration hadoop) {
        try (NDManager m = manager.newSubManager()) {
            ParameterIO.load(task.student(), task.buffers(), Safetensors.read(dir + "/" + CheckpointStore.STUDENT, m, hadoop), dir + "/" + CheckpointStore.STUDENT);
            ParameterIO.load(task.teacher(), Safetensors.read(dir + "/" + CheckpointStore.TEACHER, m, hadoop), dir + "/" + CheckpointStore.TEACHER);
            adamw.loadState(Safetensors.read(dir + "/" + CheckpointStore.OPTIMIZER, m, hadoop));
            TrainState st = TrainState.fromJson(HadoopFiles.readString(dir + "/" + CheckpointStore.STATE, hadoop), dir);
            task.setCentres(st.centres());
        }
    }

    @Override
    public void close() {
        adamw.close();
        task.close();
    }
}
