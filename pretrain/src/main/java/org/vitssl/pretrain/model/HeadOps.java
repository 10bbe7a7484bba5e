package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;

/** Small shared pieces of the heads. */
final class HeadOps {
    private HeadOps() {}

    /** PyTorch {@code F.normalize(x, dim=-1)}: x / max(||x||_2, eps) over the last axis. */
    static NDArray l2Normalize(NDArray x, float eps) {
        return x.div(Scalars.maximum(x.norm(new int[] {-1}, true), eps));
    }

    static NDArray relu(NDArray x) {
        return x.getNDArrayInternal().relu();
    }
}
