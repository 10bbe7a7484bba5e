package org.vitssl.pretrain.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording for the calling thread only. DJL's {@code GradientCollector} allows one collector per JVM
 * (a static flag), so two barrier tasks in one executor (several GPUs per executor, or local[N]) could not train
 * at the same time; libtorch's grad mode itself is thread-local, which is all this needs: it enables it for the
 * current thread, runs backward, and restores the previous mode on close.
 */
public final class ThreadAutograd implements AutoCloseable {
    private final boolean previous;

    /** Records gradients on this thread until closed. */
    public ThreadAutograd() {
        this(true);
    }

    /**
     * Sets this thread's grad mode until closed. libtorch starts every new thread with grad mode ON (DJL turns it
     * off only on the thread that loads the engine), so code on Spark's task threads that updates parameters in
     * place must run under {@code new ThreadAutograd(false)}.
     */
    public ThreadAutograd(boolean enabled) {
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch before the first native call
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    /** d(loss)/d(parameters), accumulated into the parameters' gradients (loss: a scalar). */
    public void backward(NDArray loss) {
        NDArray ones = loss.onesLike();
        JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
        ones.close();
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
