package org.vitssl.pretrain.spark;

import java.io.Serializable;

/**
 * Where a run stands: global steps done, the epoch, and the next batch of that epoch (mid-epoch resume).
 * Equal on all tasks at every step.
 */
public record Position(long step, int epoch, int batchInEpoch) implements Serializable {
    public static final Position START = new Position(0, 0, 0);

    /** The position after one more step of an epoch with {@code batchesPerEpoch} batches. */
    public Position next(int batchesPerEpoch) {
        int b = batchInEpoch + 1;
        return b == batchesPerEpoch ? new Position(step + 1, epoch + 1, 0) : new Position(step + 1, epoch, b);
    }
}
