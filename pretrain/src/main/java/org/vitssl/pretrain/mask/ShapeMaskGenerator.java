package org.vitssl.pretrain.mask;

import java.util.SplittableRandom;

/** Makes one h x w mask (row-major, true = masked) for a target ratio; the iBOT loader shapes. */
public interface ShapeMaskGenerator {
    boolean[] mask(int h, int w, double ratio, SplittableRandom rng);
}
