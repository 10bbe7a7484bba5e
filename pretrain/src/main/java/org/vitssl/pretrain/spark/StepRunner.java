package org.vitssl.pretrain.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.augment.MultiCropBatch;

import java.util.LinkedHashMap;

/**
 * One task's share of data-parallel training, as the barrier stage drives it every step:
 * {@link #forwardBackward} on the task's slice of the global batch, then the stage averages the gradients of
 * {@link #gradientParameters()} across tasks, then {@link #update}. The loss centres are all-reduced by the
 * {@link org.vitssl.pretrain.loss.CenterSync} the factory was given. Every task holds a full replica.
 */
public interface StepRunner extends AutoCloseable {
    /** Trainable parameters whose gradients are averaged after each backward; same names and order on all tasks. */
    LinkedHashMap<String, Parameter> gradientParameters();

    /**
     * Every parameter of the replica (student, teacher, ...) in a stable order: a fresh run copies rank 0's
     * values to all tasks so that the replicas start identical whatever each task's random init was.
     */
    LinkedHashMap<String, Parameter> replicaParameters();

    /**
     * Forward and backward of one step on this task's images; leaves the gradients in the parameters and
     * returns this task's loss (the mean over its images). Arrays it creates belong to {@code stepManager}.
     */
    float forwardBackward(NDManager stepManager, MultiCropBatch batch, Position position);

    /** Applies the (averaged) gradients: optimiser step, teacher EMA; {@code position} is before the step. */
    void update(Position position, long totalSteps);

    /** Writes the replica's state at {@code position} into directory {@code dir} (any Hadoop filesystem). */
    void save(String dir, Position position, Configuration hadoop);

    /** Restores the state written by {@link #save}. */
    void load(String dir, Configuration hadoop);

    @Override
    void close();
}
