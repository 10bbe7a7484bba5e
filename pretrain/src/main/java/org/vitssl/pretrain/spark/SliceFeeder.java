package org.vitssl.pretrain.spark;

import org.vitssl.augment.AugmentLoader;
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.augment.MultiCropSettings;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds a task its slices of the global batches, in order, decoded and augmented ahead of the step on CPU
 * threads. The input iterator yields the task's images of the epoch already in the global epoch order (slice of
 * batch 0, slice of batch 1, ...); every {@code batchSize} consecutive images are one step's slice. Each slice is
 * built by the augment loader (its views depend only on (seed, epoch, image_id), so they are the same whichever
 * task builds them); up to {@code ahead} slices are in flight on {@code workers} threads. The iterator is read on
 * the caller's thread (Spark's partition iterators belong to the task thread).
 */
public final class SliceFeeder implements Iterator<MultiCropBatch>, AutoCloseable {
    private final Iterator<ImageRecord> input;
    private final MultiCropSettings settings;
    private final long seed;
    private final int epoch;
    private final int batchSize;
    private final int ahead;
    private final ExecutorService pool;
    private final ArrayDeque<Future<MultiCropBatch>> pending = new ArrayDeque<>();
    private int remaining;
    private long waitNanos;
    private long skipped;

    /**
     * @param batches slices to deliver (the rest of the input is left unread)
     */
    public SliceFeeder(Iterator<ImageRecord> input, int batches, MultiCropSettings settings, long seed, int epoch,
                       int batchSize, int workers, int queueDepth) {
        this.input = input;
        this.remaining = batches;
        this.settings = settings;
        this.seed = seed;
        this.epoch = epoch;
        this.batchSize = batchSize;
        this.ahead = Math.max(workers, queueDepth);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "slice-feeder-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    /** Skips {@code n} images of the input without decoding them (mid-epoch resume). */
    public static void skip(Iterator<ImageRecord> input, long n) {
        for (long i = 0; i < n; i++) {
            if (!input.hasNext()) throw new IllegalStateException("the task's input ended after " + i + " of " + n + " images to skip");
            input.next();
        }
    }

    private void fill() {
        while (pending.size() < ahead && remaining > 0) {
            List<ImageRecord> slice = new ArrayList<>(batchSize);
            while (slice.size() < batchSize && input.hasNext()) slice.add(input.next());
            if (slice.size() < batchSize) {
                throw new IllegalStateException("the task's input ended inside a slice: " + slice.size() + " of "
                        + batchSize + " images, " + remaining + " slices still due in epoch " + epoch);
            }
            remaining--;
            pending.add(pool.submit(() -> {
                try (AugmentLoader l = new AugmentLoader(slice, settings, seed, epoch, batchSize, 0, 1, 1)) {
                    MultiCropBatch b = l.hasNext() ? l.next() : null;
                    synchronized (this) {
                        skipped += l.skippedImages();
                    }
                    return b;
                }
            }));
        }
    }

    @Override
    public boolean hasNext() {
        return !pending.isEmpty();
    }

    /** The next slice; may have fewer images than the batch size if some could not be decoded, or none (null). */
    @Override
    public MultiCropBatch next() {
        Future<MultiCropBatch> f = pending.poll();
        if (f == null) throw new NoSuchElementException();
        fill();
        long t0 = System.nanoTime();
        try {
            MultiCropBatch b = f.get();
            waitNanos += System.nanoTime() - t0;
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("building a batch failed: " + e.getCause(), e.getCause());
        }
    }

    /** Nanoseconds the caller spent waiting for built slices. */
    public long waitNanos() { return waitNanos; }

    public synchronized long skippedImages() { return skipped; }

    @Override
    public void close() {
        for (Future<MultiCropBatch> f : pending) f.cancel(true);
        pending.clear();
        pool.shutdownNow();
    }
}
