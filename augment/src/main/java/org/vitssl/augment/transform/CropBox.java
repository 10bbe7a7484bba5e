package org.vitssl.augment.transform;

/** A crop rectangle in pixels: top-left corner (left, top), size w x h. */
public record CropBox(int top, int left, int height, int width) {}
