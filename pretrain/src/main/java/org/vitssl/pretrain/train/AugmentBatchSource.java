package org.vitssl.pretrain.train;

import com.typesafe.config.Config;
import org.vitssl.augment.AugmentLoader;
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropBatch;

import java.util.List;

/**
 * Multi-crop batches from the augment loader: the epoch's order and every view are functions of
 * (seed, epoch, image), and {@code open(epoch, k)} starts the loader at batch k (mid-epoch resume).
 */
public final class AugmentBatchSource implements BatchSource<MultiCropBatch> {
    private final List<ImageRecord> images;
    private final Config config;
    private final long seed;
    private final int batch;
    private final int batchesPerEpoch;

    public AugmentBatchSource(List<ImageRecord> images, Config config, long seed, int batch) {
        if (images.size() < batch) {
            throw new IllegalArgumentException("the images table has " + images.size() + " images, fewer than one batch of "
                    + batch + " (vitssl.pretrain.batch-size)");
        }
        this.images = images;
        this.config = config;
        this.seed = seed;
        this.batch = batch;
        this.batchesPerEpoch = images.size() / batch;
    }

    @Override public int batchesPerEpoch() { return batchesPerEpoch; }

    @Override public int imagesPerBatch() { return batch; }

    @Override
    public Batches<MultiCropBatch> open(int epoch, int startBatch) {
        AugmentLoader loader = AugmentLoader.fromConfig(images, config, seed, epoch, batch, startBatch);
        return new Batches<>() {
            @Override public boolean hasNext() { return loader.hasNext(); }

            @Override public MultiCropBatch next() { return loader.next(); }

            @Override public void close() { loader.close(); }
        };
    }
}
