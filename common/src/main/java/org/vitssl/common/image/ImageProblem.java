package org.vitssl.common.image;

/** Why a file is not a usable image; {@link #id()} is the reason stored in an {@code _errors} table. */
public enum ImageProblem {
    /** The file is empty. */
    ZERO_BYTES("zero-bytes"),
    /** No known image signature. */
    NOT_AN_IMAGE("not-an-image"),
    /** A recognised image format that vitssl does not decode (GIF, BMP, WebP, TIFF). */
    UNSUPPORTED_FORMAT("unsupported-format"),
    /** The stream ends early: a JPEG without its EOI marker, a PNG without IEND, a cut chunk or segment. */
    TRUNCATED("truncated"),
    /** Larger than the configured pixel or file-size limit. */
    TOO_LARGE("too-large"),
    /** Structurally broken, or the decoder rejected it. */
    CORRUPT("corrupt");

    private final String id;

    ImageProblem(String id) { this.id = id; }

    public String id() { return id; }
}
