package org.vitssl.tests.stage;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.pretrain.loss.CenterSync;
import org.vitssl.pretrain.spark.Position;
import org.vitssl.pretrain.spark.StepRunner;
import org.vitssl.pretrain.spark.StepRunnerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;

/**
 * Wraps a runner factory so that the executor process of task {@code rank} halts (as a killed executor does:
 * no exception, no cleanup, sockets reset by the kernel) when it is about to train step {@code step}, once: a
 * marker file records that it happened, so the retried stage runs through.
 */
record KillingFactory(StepRunnerFactory inner, int rank, long step, String marker) implements StepRunnerFactory {
    @Override
    public StepRunner create(Device device, NDManager manager, CenterSync centers) {
        StepRunner r = inner.create(device, manager, centers);
        int myRank = TaskContext.getPartitionId();
        return new StepRunner() {
            @Override public LinkedHashMap<String, Parameter> gradientParameters() { return r.gradientParameters(); }

            @Override public LinkedHashMap<String, Parameter> replicaParameters() { return r.replicaParameters(); }

            @Override
            public float forwardBackward(NDManager m, MultiCropBatch batch, Position p) {
                Path flag = Paths.get(marker);
                if (myRank == rank && p.step() == step && !Files.exists(flag)) {
                    try {
                        Files.writeString(flag, "executor of rank " + rank + " halted before step " + step + ", pid "
                                + ProcessHandle.current().pid());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    Runtime.getRuntime().halt(137);
                }
                return r.forwardBackward(m, batch, p);
            }

            @Override public void update(Position p, long total) { r.update(p, total); }

            @Override public void save(String dir, Position p, Configuration h) { r.save(dir, p, h); }

            @Override public void load(String dir, Configuration h) { r.load(dir, h); }

            @Override public void close() { r.close(); }
        };
    }
}
