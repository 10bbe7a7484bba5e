package org.vitssl.pretrain.train;

import java.util.Iterator;

/**
 * Deterministic batches: the batches of an epoch depend only on (seed, epoch), and {@code open(epoch, k)}
 * yields exactly the batches k, k+1, ... of {@code open(epoch, 0)} (mid-epoch resume).
 */
public interface BatchSource<B> {
    int batchesPerEpoch();

    /** Images in one batch (for images/s). */
    int imagesPerBatch();

    Batches<B> open(int epoch, int startBatch);

    /** An epoch's batches from a start batch; closing stops any workers. */
    interface Batches<B> extends Iterator<B>, AutoCloseable {
        @Override
        void close();
    }
}
