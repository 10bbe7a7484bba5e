package org.vitssl.augment;

import org.vitssl.augment.transform.Rgb8;

/** One augmented view of an image before normalisation: its index in output order, kind and pixels. */
public record View(int index, boolean global, Rgb8 pixels) {
    public String kind() { return global ? "global" : "local"; }
}
