package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * What a mask strategy may use for one step.
 *
 * @param rows             masks to make: 2B (the global crops, crop-major)
 * @param h                patch grid height of a global crop
 * @param w                patch grid width
 * @param epoch            current epoch (ratio schedule: no masking before pred-start-epoch)
 * @param depth            number of ViT blocks (resolves layer indices; unused by loader masks)
 * @param attentionByLayer teacher attention (rows, heads, h*w+1, h*w+1) of the layers the strategy
 *                         asked for ({@link MaskStrategy#attentionLayers}); empty for loader masks
 */
public record MaskInput(int rows, int h, int w, int epoch, int depth, Map<Integer, NDArray> attentionByLayer) {
    public MaskInput {
        if (rows < 0 || h < 1 || w < 1) throw new IllegalArgumentException("bad mask grid: rows " + rows + ", " + h + "x" + w);
        attentionByLayer = attentionByLayer == null ? Map.of() : attentionByLayer;
    }

    /** Loader-style input without attention. */
    public static MaskInput grid(int rows, int h, int w, int epoch) {
        return new MaskInput(rows, h, w, epoch, 0, Map.of());
    }
}
