package org.vitssl.pretrain.train.toy;

/** Two views of {@code batch} vectors of dimension {@code dim}, view-major: [2][batch][dim]. */
public record VectorBatch(float[] views, int batch, int dim) {}
