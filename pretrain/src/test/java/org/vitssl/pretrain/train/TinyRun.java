package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDManager;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.pretrain.optim.OptimSettings;
import org.vitssl.pretrain.train.toy.MlpDinoTask;
import org.vitssl.pretrain.train.toy.SyntheticVectorSource;
import org.vitssl.pretrain.train.toy.VectorBatch;

import java.io.PrintStream;

/**
 * A tiny complete run (MLP DINO task on synthetic vectors), used in-process by the tests and as the main class
 * of the child JVMs of the exact-resume test: {@code TinyRun runDir maxSteps sleepMsPerStep}.
 * Prints "STEP n" after every step.
 */
public final class TinyRun {
    public static final int EPOCHS = 3;
    public static final int BATCH = 4;

    public static TrainerSettings settings(String runDir) {
        return new TrainerSettings(runDir, 7L, BATCH, 1, 5, true, 2, true, 5, 5);
    }

    public static OptimSettings optim() {
        return new OptimSettings(0.5, 1e-5, 1, 0.04, 0.4, 0.9, 0.999, 1e-8, 0.3, 1, 0.9, 0.07, 0.04, 2, EPOCHS);
    }

    public static Trainer.Result run(String runDir, long maxSteps, long sleepMs, PrintStream log) {
        try (NDManager base = NDManager.newBaseManager();
             MlpDinoTask task = new MlpDinoTask(base, 8, 16, 32, 11L)) {
            SyntheticVectorSource data = new SyntheticVectorSource(32, 8, 4, BATCH, 7L);
            try (Trainer<VectorBatch> t = new Trainer<>(settings(runDir), optim(), task, data,
                    "vitssl.pretrain.seed = 7\n", new Configuration(), base, log)) {
                t.setListener((s, l) -> {
                    System.out.println("STEP " + s);
                    System.out.flush();
                    if (sleepMs > 0) {
                        try { Thread.sleep(sleepMs); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                    }
                });
                return t.run(maxSteps);
            }
        }
    }

    public static void main(String[] args) {
        Trainer.Result r = run(args[0], Long.parseLong(args[1]), Long.parseLong(args[2]), System.out);
        System.out.println("DONE " + r.steps() + " resumed=" + r.resumed());
    }
}
