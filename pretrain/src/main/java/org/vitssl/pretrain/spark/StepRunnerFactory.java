package org.vitssl.pretrain.spark;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.vitssl.pretrain.loss.CenterSync;

import java.io.Serializable;

/** Builds a task's {@link StepRunner} on the executor; shipped to the tasks, so it must be serialisable. */
@FunctionalInterface
public interface StepRunnerFactory extends Serializable {
    /**
     * @param device the task's device (the GPU Spark assigned it, or the CPU)
     * @param manager base manager on that device; the runner's arrays live in sub-managers of it
     * @param centers the loss centres' all-reduce across the tasks
     */
    StepRunner create(Device device, NDManager manager, CenterSync centers);
}
