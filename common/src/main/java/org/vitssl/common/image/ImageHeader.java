package org.vitssl.common.image;

/**
 * What the container structure of an encoded image says, read without decoding pixels: format,
 * dimensions, colour components, and whether the stream is complete.
 *
 * <p>Decoders (libjpeg, libpng behind OpenCV, ImageIO) often return a partial image silently when a file
 * is cut short, so completeness is checked here structurally: a JPEG is walked marker by marker
 * (segment lengths, then the entropy-coded data after each SOS, where a real marker can only be an
 * {@code FF} not followed by {@code 00} or a restart code) up to its EOI; a PNG is walked chunk by chunk up
 * to IEND. A thumbnail's EOI inside an EXIF segment is skipped with that segment, so it cannot pass for
 * the end of the main image.
 */
public final class ImageHeader {
    public final ImageFormat format;
    public final int width;
    public final int height;
    /** Colour components: JPEG 1 (gray), 3 (YCbCr/RGB), 4 (CMYK/YCCK); PNG 1-4 by colour type; 0 unknown. */
    public final int components;
    /** Bits per sample (8 for baseline JPEG; 1-16 for PNG). */
    public final int bitDepth;

    private ImageHeader(ImageFormat format, int width, int height, int components, int bitDepth) {
        this.format = format;
        this.width = width;
        this.height = height;
        this.components = components;
        this.bitDepth = bitDepth;
    }

    /** True for a four-component (CMYK or YCCK) JPEG. */
    public boolean isCmykJpeg() { return format == ImageFormat.JPEG && components == 4; }

    public long pixels() { return (long) width * height; }

    /**
     * Checks the structure of {@code b}.
     *
     * @throws ImageException ZERO_BYTES, NOT_AN_IMAGE, UNSUPPORTED_FORMAT, TRUNCATED or CORRUPT
     */
    public static ImageHeader inspect(byte[] b) throws ImageException {
        if (b == null || b.length == 0) throw new ImageException(ImageProblem.ZERO_BYTES, "the file is empty");
        ImageFormat f = ImageFormat.sniff(b);
        switch (f) {
            case JPEG: return jpeg(b);
            case PNG: return png(b);
            case UNKNOWN: throw new ImageException(ImageProblem.NOT_AN_IMAGE,
                    "no JPEG or PNG signature (first bytes " + hex(b, 8) + ")");
            default: throw new ImageException(ImageProblem.UNSUPPORTED_FORMAT, f.id() + " is not decoded; use JPEG or PNG");
        }
    }

    private static ImageHeader jpeg(byte[] b) throws ImageException {
        final int n = b.length;
        int i = 2;
        int w = -1, h = -1, comps = 0, depth = 0;
        boolean sawScan = false;
        while (true) {
            // Find the next marker; tolerate stray bytes between segments like libjpeg does.
            while (i < n && (b[i] & 0xFF) != 0xFF) i++;
            while (i < n && (b[i] & 0xFF) == 0xFF) i++; // fill bytes
            if (i >= n) throw truncatedJpeg(sawScan, n);
            int m = b[i] & 0xFF;
            int markerAt = i - 1;
            i++;
            if (m == 0xD9) break; // EOI
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0xD8) continue; // standalone markers
            if (i + 2 > n) throw truncatedJpeg(sawScan, n);
            int len = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
            if (len < 2) throw new ImageException(ImageProblem.CORRUPT, "JPEG segment length " + len + " at offset " + markerAt);
            int end = i + len;
            if (end > n) throw truncatedJpeg(sawScan, n);
            boolean sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
            if (sof && w < 0) {
                if (len < 8) throw new ImageException(ImageProblem.CORRUPT, "JPEG frame header too short");
                depth = b[i + 2] & 0xFF;
                h = ((b[i + 3] & 0xFF) << 8) | (b[i + 4] & 0xFF);
                w = ((b[i + 5] & 0xFF) << 8) | (b[i + 6] & 0xFF);
                comps = b[i + 7] & 0xFF;
            }
            i = end;
            if (m == 0xDA) { // SOS: skip entropy-coded data up to the next real marker
                if (w < 0) throw new ImageException(ImageProblem.CORRUPT, "JPEG scan before any frame header");
                sawScan = true;
                while (true) {
                    if (i >= n) throw truncatedJpeg(true, n);
                    if ((b[i] & 0xFF) != 0xFF) { i++; continue; }
                    if (i + 1 >= n) throw truncatedJpeg(true, n);
                    int nx = b[i + 1] & 0xFF;
                    if (nx == 0x00 || (nx >= 0xD0 && nx <= 0xD7)) { i += 2; continue; }
                    if (nx == 0xFF) { i++; continue; }
                    break; // a marker: the outer loop reads it
                }
            }
        }
        if (!sawScan) throw new ImageException(ImageProblem.CORRUPT, "JPEG has no image data (no SOS before EOI)");
        if (w <= 0 || h <= 0) throw new ImageException(ImageProblem.CORRUPT, "JPEG frame size " + w + "x" + h);
        return new ImageHeader(ImageFormat.JPEG, w, h, comps, depth);
    }

    private static ImageException truncatedJpeg(boolean sawScan, int n) {
        return new ImageException(ImageProblem.TRUNCATED,
                "JPEG ends after " + n + " bytes " + (sawScan ? "inside the image data" : "in the headers") + " (no EOI marker)");
    }

    private static ImageHeader png(byte[] b) throws ImageException {
        final int n = b.length;
        int i = 8;
        int w = -1, h = -1, comps = 0, depth = 0;
        boolean idat = false;
        while (true) {
            if (i + 8 > n) throw new ImageException(ImageProblem.TRUNCATED, "PNG ends after " + n + " bytes (no IEND chunk)");
            long len = ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            String type = new String(b, i + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (len > Integer.MAX_VALUE) throw new ImageException(ImageProblem.CORRUPT, "PNG chunk " + type + " length " + len);
            long end = i + 12L + len;
            if (end > n) throw new ImageException(ImageProblem.TRUNCATED,
                    "PNG ends after " + n + " bytes inside chunk " + type + " (no IEND chunk)");
            if (type.equals("IHDR")) {
                if (len < 13) throw new ImageException(ImageProblem.CORRUPT, "PNG IHDR too short");
                int p = i + 8;
                w = ((b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
                h = ((b[p + 4] & 0xFF) << 24) | ((b[p + 5] & 0xFF) << 16) | ((b[p + 6] & 0xFF) << 8) | (b[p + 7] & 0xFF);
                depth = b[p + 8] & 0xFF;
                int colorType = b[p + 9] & 0xFF;
                comps = colorType == 0 ? 1 : colorType == 2 ? 3 : colorType == 3 ? 3 : colorType == 4 ? 2 : colorType == 6 ? 4 : 0;
            } else if (w < 0) {
                throw new ImageException(ImageProblem.CORRUPT, "PNG does not start with IHDR");
            }
            if (type.equals("IDAT")) idat = true;
            i = (int) end;
            if (type.equals("IEND")) break;
        }
        if (!idat) throw new ImageException(ImageProblem.CORRUPT, "PNG has no IDAT chunk");
        if (w <= 0 || h <= 0) throw new ImageException(ImageProblem.CORRUPT, "PNG size " + w + "x" + h);
        return new ImageHeader(ImageFormat.PNG, w, h, comps, depth);
    }

    private static String hex(byte[] b, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(max, b.length); i++) s.append(String.format("%02x", b[i] & 0xFF));
        return s.toString();
    }
}
