package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.bench.PythonCounterpart;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.pretrain.bench.BenchDevice;

import ai.djl.engine.Engine;
import ai.djl.training.GradientCollector;
import org.vitssl.pretrain.optim.AdamW;
import org.vitssl.pretrain.optim.Ema;
import org.vitssl.pretrain.optim.GradientClipping;
import org.vitssl.pretrain.optim.Gradients;
import org.vitssl.pretrain.optim.OptimSettings;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * {@code vitssl bench train-step [depths=4,12] [steps=3] [warmup=1] [threads=2] [python=true] [split=true]
 * [student-patch-head=masked-only] [rounds=1] [batch=64]} (on {@code vitssl.bench.device}): the fixed
 * iBOT step (ViT dim 192, heads 3, patch 4; 2 x 32 px global crops with block masks of ~30% + 6 x 16 px local
 * crops; shared iBOT head with 8192 outputs on CLS and patch tokens; batch 64; images already in memory),
 * the full step of the {@link Trainer} (forward, loss, backward, clipping, AdamW, EMA), against the same step in
 * PyTorch eager ({@code pretrain/bench/bench_step.py}) on the same number of threads. The PyTorch side runs the
 * reference step (the student's head on all patch tokens); vitssl by default runs the student's patch head on the
 * masked positions only ({@code vitssl.pretrain.student-patch-head = masked-only}: same loss and gradients, fewer
 * FLOPs). With {@code split} it then times the phases of the same step driven by hand (teacher forward, student
 * forward with head and loss, backward, clipping, AdamW, EMA; libtorch runs CPU ops synchronously, so
 * {@code System.nanoTime} around each phase measures it).
 */
public final class TrainStepBenchmark implements Benchmark {
    @Override public String name() { return "train-step"; }

    @Override public String summary() { return "iBOT training step, ViT dim 192 depth 4/12, batch 64: Java vs PyTorch eager"; }

    @Override
    public void run(Config config, String[] args, PrintStream out) throws Exception {
        String[] depths = (args.length > 0 ? args[0] : "4,12").split(",");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        boolean python = args.length <= 4 || Boolean.parseBoolean(args[4]);
        boolean split = args.length <= 5 || Boolean.parseBoolean(args[5]);
        String patchHead = args.length > 6 ? args[6] : "masked-only";
        int rounds = args.length > 7 ? Integer.parseInt(args[7]) : 1;
        int batch = args.length > 8 ? Integer.parseInt(args[8]) : 64;
        BenchDevice device = BenchDevice.of(config);
        ai.djl.engine.Engine.getInstance(); // loads libtorch before any native call
        JniUtils.setNumThreads(threads);
        out.printf("train-step: iBOT, dim 192, heads 3, patch 4, 2x32 + 6x16 crops, K 8192, batch %d, device %s, %d threads,"
                + " %d timed steps, student patch head: %s (PyTorch: all)%n", batch, device.name(), threads, steps, patchHead);
        out.printf("%-8s %6s %14s %14s %8s %14s %14s %8s%n", "depth", "round", "java img/s", "pytorch img/s", "ratio",
                "java cpu s/st", "pytorch cpu s", "ratio");
        List<String> splits = new ArrayList<>();
        for (String d : depths) {
            int depth = Integer.parseInt(d.trim());
            // rounds alternate the two sides so that a shared machine's load changes hit both alike
            double[] ratios = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                double[] js = javaStep(depth, batch, steps, warmup, patchHead, device);
                double java = js[0];
                double py = Double.NaN, pyCpu = Double.NaN;
                if (python && PythonCounterpart.available()) {
                    String spec = "d" + depth + ":192:" + depth + ":3:4:32:16:6:8192:" + batch;
                    String o = PythonCounterpart.run("pretrain/bench/bench_step.py", List.of("--threads", "" + threads, "--device", device.torch(),
                            "--warmup", "" + warmup, "--iterations", "" + steps, spec), threads, 3600);
                    for (String line : o.split("\n")) {
                        if (!line.startsWith("d" + depth + " ")) continue;
                        String[] f = line.trim().split(" ");
                        py = Double.parseDouble(f[1]);
                        if (f.length > 3) pyCpu = Double.parseDouble(f[3]);
                    }
                }
                ratios[round] = java / py;
                out.printf("%-8d %6d %14.2f %14.2f %8.2f %14.2f %14.2f %8.2f%n", depth, round + 1, java, py, java / py,
                        js[1], pyCpu, pyCpu / js[1]);
                out.flush();
            }
            if (rounds > 1) {
                double[] sorted = ratios.clone();
                java.util.Arrays.sort(sorted);
                double median = rounds % 2 == 1 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
                out.printf("%-8d median wall-clock ratio over %d rounds: %.2f%n", depth, rounds, median);
            }
            if (split) splits.add(phases(depth, batch, steps, warmup, patchHead, device));
        }
        for (String t : splits) out.print(t);
    }

    private static Config config(int depth, int batch, Path run, String patchHead) {
        List<String> o = new ArrayList<>(List.of(
                "model.arch=custom", "model.embed-dim=192", "model.depth=" + depth, "model.num-heads=3", "model.patch-size=4",
                "model.img-size=32", "model.mask-token=true", "model.drop-path-rate=0.1",
                "model.ibot-head.out-dim=8192", "model.ibot-head.patch-out-dim=8192", "model.ibot-head.shared-head=true",
                "model.ibot-head.norm-last-layer=false",
                "augment.global.size=32", "augment.global.count=2", "augment.local.size=16", "augment.local.count=6",
                "mask.method=block", "mask.pred-ratio=[0.3]", "mask.pred-ratio-var=[0.0]",
                "loss.ibot.warmup-teacher-temp-epochs=0", "pretrain.method=ibot", "pretrain.run-dir=\"" + run + "\"",
                "pretrain.batch-size=" + batch, "pretrain.epochs=1", "pretrain.optimizer.warmup-epochs=0",
                "pretrain.checkpoint.every-steps=0", "pretrain.checkpoint.at-epoch-end=false", "pretrain.checkpoint.resume=false",
                "pretrain.progress.every-steps=100000", "pretrain.progress.collapse-every-steps=0",
                "pretrain.student-patch-head=" + patchHead));
        Config c = VitsslConfig.load(null, o);
        PretrainChecks.validate(c);
        return c;
    }

    private static MultiCropBatch batch(int batch) {
        SplittableRandom r = new SplittableRandom(1);
        float[] g = new float[2 * batch * 3 * 32 * 32];
        float[] l = new float[6 * batch * 3 * 16 * 16];
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        for (int i = 0; i < l.length; i++) l[i] = (float) r.nextGaussian();
        String[] ids = new String[batch];
        for (int i = 0; i < batch; i++) ids[i] = "x" + i;
        return new MultiCropBatch(batch, 2, 6, 32, 16, g, l, new int[batch], ids);
    }

    /**
     * The step's phases driven by hand as the {@link Trainer} runs them (zero grads, forward with loss and centre
     * update, backward, per-parameter clipping, AdamW, EMA), mean milliseconds per timed step; the forward is split
     * into teacher backbone, student backbone, teacher head, student head + loss by {@link VitSslTask}'s marks.
     */
    static String phases(int depth, int batch, int steps, int warmup, String patchHead, BenchDevice device) throws Exception {
        Path run = Files.createTempDirectory("vitssl-train-step");
        Config c = config(depth, batch, run, patchHead);
        OptimSettings optim = PretrainJob.optim(c);
        MultiCropBatch mb = batch(batch);
        String[] names = {"zero grads", "teacher backbone + masks", "student backbone (globals, locals)",
                "teacher iBOT head (all patches)", "student iBOT head + loss + centres", "backward", "clipping", "AdamW", "EMA"};
        double[] ms = new double[names.length];
        try (NDManager base = NDManager.newBaseManager(device.djl()); VitSslTask task = new VitSslTask(c, base, 0L);
             AdamW adamw = new AdamW(task.student(), optim, base)) {
            for (int it = 0; it < warmup + steps; it++) {
                long[] t = new long[names.length + 1];
                long[] marks = new long[3];
                task.setPhaseTimer(marks);
                try (NDManager sm = base.newSubManager()) {
                    t[0] = System.nanoTime();
                    Gradients.zero(task.student());
                    t[1] = System.nanoTime();
                    TrainingTask.StepOutput out;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        out = task.forward(sm, mb, new TrainingTask.StepContext(0, it, 0.04, new SplittableRandom(it)));
                        out.loss().getFloat();
                        t[5] = System.nanoTime();
                        System.arraycopy(marks, 0, t, 2, 3);
                        gc.backward(out.loss());
                    }
                    t[6] = System.nanoTime();
                    GradientClipping.clipPerParameter(task.student(), optim.clipGrad());
                    t[7] = System.nanoTime();
                    adamw.step(1e-4, 0.04, null);
                    t[8] = System.nanoTime();
                    Ema.update(task.teacher(), task.student(), 0.996);
                    t[9] = System.nanoTime();
                }
                if (it >= warmup) for (int i = 0; i < names.length; i++) ms[i] += (t[i + 1] - t[i]) / 1e6 / steps;
            }
        } finally {
            try (var w = Files.walk(run)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        double total = 0;
        for (double v : ms) total += v;
        StringBuilder sb = new StringBuilder(String.format("%nphases, depth %d (student patch head %s), ms per step over %d steps:%n",
                depth, patchHead, steps));
        for (int i = 0; i < names.length; i++) sb.append(String.format("  %-32s %10.1f %6.1f%%%n", names[i], ms[i], 100 * ms[i] / total));
        sb.append(String.format("  %-32s %10.1f  (%.2f img/s)%n", "total", total, batch / (total / 1000)));
        return sb.toString();
    }

    /** {images per second (wall clock), process CPU seconds per step} over the timed steps of the Trainer. */
    static double[] javaStep(int depth, int batch, int steps, int warmup, String patchHead, BenchDevice device)
            throws Exception {
        Path run = Files.createTempDirectory("vitssl-train-step");
        Config c = config(depth, batch, run, patchHead);
        TrainerSettings s = TrainerSettings.fromConfig(c);
        MultiCropBatch mb = batch(batch);
        int total = warmup + steps;
        BatchSource<MultiCropBatch> src = new BatchSource<>() {
            @Override public int batchesPerEpoch() { return total; }
            @Override public int imagesPerBatch() { return batch; }
            @Override public Batches<MultiCropBatch> open(int epoch, int start) {
                return new Batches<>() {
                    int next = start;
                    @Override public boolean hasNext() { return next < total; }
                    @Override public MultiCropBatch next() { if (next++ >= total) throw new NoSuchElementException(); return mb; }
                    @Override public void close() {}
                };
            }
        };
        long[] t = new long[4];
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (NDManager base = NDManager.newBaseManager(device.djl()); TrainingTask<MultiCropBatch> task = TrainingTasks.create(c, base, 0L);
             Trainer<MultiCropBatch> tr = new Trainer<>(s, PretrainJob.optim(c), task, src, "", new Configuration(), base,
                     new PrintStream(new ByteArrayOutputStream()))) {
            tr.setListener((step, loss) -> {
                if (step == warmup) {
                    t[0] = System.nanoTime();
                    t[2] = os.getProcessCpuTime();
                }
                if (step == total) {
                    t[1] = System.nanoTime();
                    t[3] = os.getProcessCpuTime();
                }
            });
            tr.run(total);
        }
        try (var w = Files.walk(run)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        return new double[] {steps * (double) batch / ((t[1] - t[0]) / 1e9), (t[3] - t[2]) / 1e9 / steps};
    }
}
