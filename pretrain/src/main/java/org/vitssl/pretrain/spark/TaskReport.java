package org.vitssl.pretrain.spark;

import java.io.Serializable;

/**
 * What one barrier task reports back to the driver.
 *
 * @param rank the task's rank
 * @param stageAttempt Spark's attempt number of the stage (0 first, &gt; 0 after a retry)
 * @param device the device it trained on ({@code gpu(1)}, {@code cpu()})
 * @param process the executor it ran in: {@code executor <id> pid <pid> on <host>}
 * @param start position it started from (loaded from a checkpoint, or the start)
 * @param end position after its last step
 * @param resumedFrom checkpoint it loaded ("" for none)
 * @param globalLosses per step, the loss of the global batch (mean over tasks of the task losses)
 * @param dataWaitMs time spent waiting for built slices
 * @param computeMs forward, backward and update
 * @param allReduceMs gradient averaging
 * @param lastCheckpoint directory of the last checkpoint written by this task (rank 0), or ""
 */
public record TaskReport(int rank, int stageAttempt, String device, String process, Position start, Position end, String resumedFrom,
                         float[] globalLosses, double dataWaitMs, double computeMs, double allReduceMs,
                         String lastCheckpoint) implements Serializable {}
