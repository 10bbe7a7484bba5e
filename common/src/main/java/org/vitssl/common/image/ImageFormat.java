package org.vitssl.common.image;

/** Container formats recognised from their leading bytes (never from the file name). */
public enum ImageFormat {
    JPEG("jpeg", true), PNG("png", true), GIF("gif", false), BMP("bmp", false), WEBP("webp", false),
    TIFF("tiff", false), UNKNOWN("unknown", false);

    private final String id;
    private final boolean supported;

    ImageFormat(String id, boolean supported) {
        this.id = id;
        this.supported = supported;
    }

    /** Lower-case name as stored in the images table's {@code format} column. */
    public String id() { return id; }

    /** Whether vitssl decodes it (JPEG and PNG: everything ImageNet and the other inputs contain). */
    public boolean supported() { return supported; }

    /** The format from the magic number; {@link #UNKNOWN} for anything else (and for empty input). */
    public static ImageFormat sniff(byte[] b) {
        int n = b == null ? 0 : b.length;
        if (n >= 3 && u(b, 0) == 0xFF && u(b, 1) == 0xD8 && u(b, 2) == 0xFF) return JPEG;
        if (n >= 8 && u(b, 0) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && u(b, 4) == 0x0D && u(b, 5) == 0x0A && u(b, 6) == 0x1A && u(b, 7) == 0x0A) return PNG;
        if (n >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') return GIF;
        if (n >= 2 && b[0] == 'B' && b[1] == 'M') return BMP;
        if (n >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') return WEBP;
        if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
                || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) return TIFF;
        return UNKNOWN;
    }

    private static int u(byte[] b, int i) { return b[i] & 0xFF; }
}
