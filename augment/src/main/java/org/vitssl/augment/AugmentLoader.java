package org.vitssl.augment;

import org.vitssl.augment.transform.Normalize;
import org.vitssl.augment.transform.PilBicubic;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Multi-threaded, deterministic loader of multi-crop batches for one epoch.
 *
 * <ul>
 * <li>Order: the images are sorted by image_id (so the input order does not matter), then shuffled by a
 *     Fisher-Yates permutation drawn from {@link ViewSeeds#forEpochOrder}(seed, epoch). Batch b holds the
 *     images at positions {@code [b*B, (b+1)*B)}; the last incomplete batch is dropped.</li>
 * <li>Views: those of {@link MultiCropTransform#apply} for (seed, epoch, image_id), so they do not depend
 *     on the number of workers, the scheduling or {@code startBatch}.</li>
 * <li>Resume: {@code startBatch} skips the first batches without decoding them; the following batches are
 *     identical to those of an uninterrupted epoch.</li>
 * <li>Threads: {@code workers} threads each build whole batches (decode, augment, normalise into the
 *     crop-major arrays); at most {@code max(queueDepth, workers)} batches are built ahead of the consumer
 *     (the bounded queue), and they are handed out in order.</li>
 * <li>Corrupt images: an image that fails to decode is left out of its batch (which is then smaller than
 *     B), counted in {@link #skippedImages()} and logged once per image_id; a batch whose images are all
 *     corrupt is skipped.</li>
 * </ul>
 */
public final class AugmentLoader implements java.util.Iterator<MultiCropBatch>, AutoCloseable {

    private final List<ImageRecord> order;
    private final MultiCropTransform transform;
    private final MultiCropSettings s;
    private final long seed;
    private final int epoch, batchSize, batchesPerEpoch, ahead;
    private final ExecutorService pool;
    private final ArrayDeque<Future<MultiCropBatch>> pending = new ArrayDeque<>();
    private final AtomicLong skipped = new AtomicLong();
    private int nextToSubmit;
    private MultiCropBatch peeked;
    private boolean closed;

    public AugmentLoader(List<ImageRecord> images, MultiCropSettings settings, long seed, int epoch,
                         int batchSize, int startBatch, int workers, int queueDepth) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        if (workers < 1) throw new IllegalArgumentException("workers must be positive, got " + workers);
        if (queueDepth < 1) throw new IllegalArgumentException("queueDepth must be positive, got " + queueDepth);
        this.order = epochOrder(images, seed, epoch);
        this.s = settings;
        this.transform = new MultiCropTransform(settings);
        this.seed = seed;
        this.epoch = epoch;
        this.batchSize = batchSize;
        this.batchesPerEpoch = order.size() / batchSize;
        if (startBatch < 0 || startBatch > batchesPerEpoch) {
            throw new IllegalArgumentException("startBatch " + startBatch + " outside [0, " + batchesPerEpoch + "]");
        }
        this.nextToSubmit = startBatch;
        this.ahead = Math.max(queueDepth, workers);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "augment-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        OpenCv.load();
        fill();
    }

    /**
     * A loader whose worker count and queue depth come from {@code vitssl.augment.loader} and whose transform
     * settings come from {@code vitssl.augment} of {@code config}.
     */
    public static AugmentLoader fromConfig(List<ImageRecord> images, com.typesafe.config.Config config, long seed,
                                           int epoch, int batchSize, int startBatch) {
        String p = MultiCropSettings.SECTION + ".loader.";
        return new AugmentLoader(images, MultiCropSettings.fromConfig(config), seed, epoch, batchSize, startBatch,
                org.vitssl.common.config.ConfigChecks.intIn(config, p + "workers", 1, 1024),
                org.vitssl.common.config.ConfigChecks.intIn(config, p + "queue-depth", 1, 1024));
    }

    /** The epoch's image order: sorted by id, then a seeded Fisher-Yates shuffle of (seed, epoch). */
    public static List<ImageRecord> epochOrder(List<ImageRecord> images, long seed, int epoch) {
        List<ImageRecord> l = new ArrayList<>(images);
        l.sort(Comparator.comparing(ImageRecord::imageId));
        SplittableRandom r = ViewSeeds.forEpochOrder(seed, epoch);
        for (int i = l.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            ImageRecord t = l.get(i);
            l.set(i, l.get(j));
            l.set(j, t);
        }
        return l;
    }

    /** Full batches in the epoch (drop-last), counted from batch 0. */
    public int batchesPerEpoch() { return batchesPerEpoch; }

    /** Images skipped so far because they could not be decoded. */
    public long skippedImages() { return skipped.get(); }

    private void fill() {
        while (pending.size() < ahead && nextToSubmit < batchesPerEpoch) {
            final int b = nextToSubmit++;
            pending.add(pool.submit(() -> build(b)));
        }
    }

    @Override
    public boolean hasNext() {
        if (closed) return false;
        while (peeked == null) {
            Future<MultiCropBatch> f = pending.poll();
            if (f == null) return false;
            MultiCropBatch batch;
            try {
                batch = f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a batch", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("building a batch failed: " + e.getCause(), e.getCause());
            }
            fill();
            if (batch.batchSize() > 0) peeked = batch;
        }
        return true;
    }

    @Override
    public MultiCropBatch next() {
        if (!hasNext()) throw new NoSuchElementException();
        MultiCropBatch b = peeked;
        peeked = null;
        return b;
    }

    /** Builds batch b: decode, augment and normalise its images straight into the crop-major arrays. */
    MultiCropBatch build(int b) {
        int bs = batchSize, gc = s.globalCount, lc = s.localCount, g = s.globalSize, l = s.localSize;
        int gPlane = 3 * g * g, lPlane = 3 * l * l;
        float[] globals = new float[gc * bs * gPlane];
        float[] locals = new float[lc * bs * lPlane];
        int[] labels = new int[bs];
        String[] ids = new String[bs];
        boolean[] ok = new boolean[bs];
        int good = 0;
        Normalize norm = transform.normalize();
        for (int k = 0; k < bs; k++) {
            ImageRecord rec = order.get(b * bs + k);
            Rgb8 img;
            try {
                img = OpenCv.decode(rec.bytes());
            } catch (RuntimeException e) {
                skipped.incrementAndGet();
                CorruptImages.logOnce(rec.imageId(), e);
                continue;
            }
            long imageSeed = ViewSeeds.imageSeed(seed, epoch, rec.imageId());
            PilBicubic.Source src = new PilBicubic.Source(img);
            for (int v = 0; v < gc + lc; v++) {
                Rgb8 view = transform.view(src, v, ViewSeeds.forView(imageSeed, v));
                if (v < gc) norm.toChw(view, globals, (v * bs + k) * gPlane);
                else norm.toChw(view, locals, ((v - gc) * bs + k) * lPlane);
            }
            labels[k] = rec.label();
            ids[k] = rec.imageId();
            ok[k] = true;
            good++;
        }
        if (good == bs) return new MultiCropBatch(bs, gc, lc, g, l, globals, locals, labels, ids);
        // Compact the batch to the images that decoded.
        float[] g2 = new float[gc * good * gPlane], l2 = new float[lc * good * lPlane];
        int[] lab2 = new int[good];
        String[] ids2 = new String[good];
        int j = 0;
        for (int k = 0; k < bs; k++) {
            if (!ok[k]) continue;
            for (int v = 0; v < gc; v++) System.arraycopy(globals, (v * bs + k) * gPlane, g2, (v * good + j) * gPlane, gPlane);
            for (int v = 0; v < lc; v++) System.arraycopy(locals, (v * bs + k) * lPlane, l2, (v * good + j) * lPlane, lPlane);
            lab2[j] = labels[k];
            ids2[j] = ids[k];
            j++;
        }
        return new MultiCropBatch(good, gc, lc, g, l, g2, l2, lab2, ids2);
    }

    @Override
    public void close() {
        closed = true;
        for (Future<MultiCropBatch> f : pending) f.cancel(true);
        pending.clear();
        pool.shutdownNow();
    }
}
