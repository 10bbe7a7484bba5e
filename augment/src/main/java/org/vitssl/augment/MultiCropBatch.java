package org.vitssl.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One training batch of multi-crop views, plain Java (no DJL inside), normalised floats, crop-major as
 * DINO's MultiCropWrapper consumes them: {@code globals} is {@code [globalCount][B][3][G][G]} (all B images
 * of crop 0, then crop 1, ...), {@code locals} is {@code [localCount][B][3][L][L]} (length 0 without locals).
 */
public final class MultiCropBatch {
    private final int batchSize, globalCount, localCount, globalSize, localSize;
    private final float[] globals, locals;
    private final int[] labels;
    private final String[] imageIds;

    public MultiCropBatch(int batchSize, int globalCount, int localCount, int globalSize, int localSize,
                          float[] globals, float[] locals, int[] labels, String[] imageIds) {
        if (globals.length != (long) globalCount * batchSize * 3 * globalSize * globalSize
                || locals.length != (long) localCount * batchSize * 3 * localSize * localSize
                || labels.length != batchSize || imageIds.length != batchSize) {
            throw new IllegalArgumentException("batch arrays do not match the shape");
        }
        this.batchSize = batchSize;
        this.globalCount = globalCount;
        this.localCount = localCount;
        this.globalSize = globalSize;
        this.localSize = localSize;
        this.globals = globals;
        this.locals = locals;
        this.labels = labels;
        this.imageIds = imageIds;
    }

    public int batchSize() { return batchSize; }
    public int globalCount() { return globalCount; }
    public int localCount() { return localCount; }
    public int globalSize() { return globalSize; }
    public int localSize() { return localSize; }
    public float[] globals() { return globals; }
    public float[] locals() { return locals; }
    public int[] labels() { return labels; }
    public String[] imageIds() { return imageIds; }

    /** Offset in {@link #globals()} of crop {@code crop} of image {@code b}. */
    public int globalOffset(int crop, int b) {
        return (crop * batchSize + b) * 3 * globalSize * globalSize;
    }

    /** Offset in {@link #locals()} of local crop {@code crop} of image {@code b}. */
    public int localOffset(int crop, int b) {
        return (crop * batchSize + b) * 3 * localSize * localSize;
    }

    /** (globalCount*B, 3, G, G) float32 in {@code m}. */
    public NDArray globalsArray(NDManager m) {
        return m.create(globals, new Shape((long) globalCount * batchSize, 3, globalSize, globalSize));
    }

    /** (localCount*B, 3, L, L) float32 in {@code m}, or null without local crops. */
    public NDArray localsArray(NDManager m) {
        if (localCount == 0) return null;
        return m.create(locals, new Shape((long) localCount * batchSize, 3, localSize, localSize));
    }
}
