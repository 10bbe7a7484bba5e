package org.vitssl.pretrain.train.toy;

import org.vitssl.pretrain.train.BatchSource;
import org.vitssl.pretrain.train.TrainState;

import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A deterministic synthetic data set for the training loop's own tests and memory benchmark (no images needed):
 * {@code n} vectors drawn around {@code clusters} random centres; each epoch visits them in a permutation that
 * depends only on (seed, epoch), and the two noisy "views" of a vector depend only on (seed, epoch, index), the
 * same contract as the augment loader. Drop-last batching.
 */
public final class SyntheticVectorSource implements BatchSource<VectorBatch> {
    private final float[][] data;
    private final int batch;
    private final int dim;
    private final long seed;

    public SyntheticVectorSource(int n, int dim, int clusters, int batch, long seed) {
        if (n < batch) throw new IllegalArgumentException("need at least one batch: n " + n + " < batch " + batch);
        this.batch = batch;
        this.dim = dim;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed);
        float[][] centres = new float[clusters][dim];
        for (float[] c : centres) for (int j = 0; j < dim; j++) c[j] = (float) (2 * r.nextDouble() - 1);
        data = new float[n][dim];
        for (int i = 0; i < n; i++) {
            float[] c = centres[r.nextInt(clusters)];
            for (int j = 0; j < dim; j++) data[i][j] = c[j] + (float) (0.2 * gauss(r));
        }
    }

    @Override public int batchesPerEpoch() { return data.length / batch; }

    @Override public int imagesPerBatch() { return batch; }

    @Override
    public Batches<VectorBatch> open(int epoch, int startBatch) {
        int[] order = new int[data.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        SplittableRandom r = new SplittableRandom(TrainState.streamSeed(seed, epoch, 101));
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i]; order[i] = order[j]; order[j] = t;
        }
        return new Batches<>() {
            int next = startBatch;

            @Override public boolean hasNext() { return next < batchesPerEpoch(); }

            @Override
            public VectorBatch next() {
                if (!hasNext()) throw new NoSuchElementException();
                float[] v = new float[2 * batch * dim];
                for (int b = 0; b < batch; b++) {
                    int idx = order[next * batch + b];
                    SplittableRandom vr = new SplittableRandom(TrainState.streamSeed(seed ^ idx, epoch, 202));
                    for (int view = 0; view < 2; view++) {
                        for (int j = 0; j < dim; j++) {
                            v[(view * batch + b) * dim + j] = data[idx][j] + (float) (0.1 * gauss(vr));
                        }
                    }
                }
                next++;
                return new VectorBatch(v, batch, dim);
            }

            @Override public void close() {}
        };
    }

    private static double gauss(SplittableRandom r) {
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
