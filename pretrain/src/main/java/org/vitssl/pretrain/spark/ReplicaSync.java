package org.vitssl.pretrain.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Moves parameter gradients and values through a {@link RingAllReduce}: packs them into one flat float vector
 * (allocated once and reused), reduces it, and copies the result back in place. On a GPU each array crosses to
 * the host and back once per step; the gradient bytes per task on the wire are 2 (N-1)/N x the vector.
 */
public final class ReplicaSync {
    private final RingAllReduce ring;
    private float[] flat = new float[0];

    public ReplicaSync(RingAllReduce ring) {
        this.ring = ring;
    }

    /** Replaces every gradient by its mean over the tasks. Parameters without a gradient count as zero. */
    public void averageGradients(Map<String, Parameter> params) {
        List<NDArray> grads = new ArrayList<>();
        List<NDArray> owners = new ArrayList<>();
        int n = 0;
        for (Parameter p : params.values()) {
            if (!p.requiresGradient()) continue;
            NDArray a = p.getArray();
            owners.add(a);
            n += (int) a.size();
        }
        ensure(n);
        int off = 0;
        for (NDArray a : owners) {
            NDArray g = a.getGradient();
            grads.add(g);
            float[] v = g.toType(DataType.FLOAT32, false).toFloatArray();
            System.arraycopy(v, 0, flat, off, v.length);
            off += v.length;
        }
        ring.mean(flat, 0, n);
        off = 0;
        for (NDArray g : grads) {
            int len = (int) g.size();
            float[] v = new float[len];
            System.arraycopy(flat, off, v, 0, len);
            copyInto(g, v);
            off += len;
            g.close();
        }
    }

    /**
     * Copies {@code values} into the storage {@code target} already has (libtorch's {@code index_put_}), so that
     * the tensor never depends on Java memory. {@code NDArray.set(float[])} would not do here: DJL's
     * {@code set(Buffer)} points the tensor at a direct buffer that only the Java wrapper keeps alive
     * ({@code torchSet}: a storage without a deleter), and a gradient's wrapper from {@code getGradient()} is a
     * temporary: once it is closed and collected, the parameter's {@code .grad} points at freed native memory
     * that the update reads and the next backward pass writes (NaN losses, or glibc aborting the process on a
     * corrupted heap, whenever a garbage collection falls between two steps).
     */
    static void copyInto(NDArray target, float[] values) {
        try (ThreadAutograd noGrad = new ThreadAutograd(false); NDManager tmp = target.getManager().newSubManager()) {
            NDArray v = tmp.create(values, target.getShape());
            target.set(new NDIndex("..."), v);
        }
    }

    /** Copies rank 0's parameter values to every task (a sum in which the other ranks contribute zeros). */
    public void broadcastFromRank0(Map<String, Parameter> params) {
        int n = 0;
        for (Parameter p : params.values()) n += (int) p.getArray().size();
        ensure(n);
        int off = 0;
        for (Parameter p : params.values()) {
            NDArray a = p.getArray();
            int len = (int) a.size();
            if (ring.rank() == 0) System.arraycopy(a.toType(DataType.FLOAT32, false).toFloatArray(), 0, flat, off, len);
            else java.util.Arrays.fill(flat, off, off + len, 0f);
            off += len;
        }
        ring.sum(flat, 0, n);
        off = 0;
        for (Parameter p : params.values()) {
            NDArray a = p.getArray();
            int len = (int) a.size();
            float[] v = new float[len];
            System.arraycopy(flat, off, v, 0, len);
            copyInto(a, v);
            off += len;
        }
    }

    /** Mean of one scalar over the tasks (the global batch's loss for the log). */
    public float mean(float x) {
        float[] v = {x};
        ring.mean(v, 0, 1);
        return v[0];
    }

    private void ensure(int n) {
        if (flat.length < n) flat = new float[n];
    }
}
