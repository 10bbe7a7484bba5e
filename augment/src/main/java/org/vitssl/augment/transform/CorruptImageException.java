package org.vitssl.augment.transform;

/** The bytes of an image cannot be decoded (truncated, wrong format, empty). */
public final class CorruptImageException extends RuntimeException {
    public CorruptImageException(String message) {
        super(message);
    }
}
