package org.vitssl.augment.transform;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.vitssl.common.image.ImageCodec;
import org.vitssl.common.image.ImageException;
import org.vitssl.common.image.RgbImage;

/**
 * The OpenCV (org.openpnp 4.9, brought by DJL's OpenCV extension) entry points used on hot paths:
 * JPEG/PNG decode, PNG encode, conversions between {@link Rgb8} and {@link Mat}. The native library is
 * loaded once per JVM (executors included) on first use by common's
 * {@link org.vitssl.common.image.OpenCv#load()}; decoding is common's {@link ImageCodec}.
 */
public final class OpenCv {
    private OpenCv() {}

    /** Loads the native library once per JVM ({@link org.vitssl.common.image.OpenCv#load()}). */
    public static void load() {
        org.vitssl.common.image.OpenCv.load();
    }

    /**
     * Decodes an encoded JPEG or PNG to RGB like PIL's {@code Image.open(f).convert("RGB")}, with common's
     * {@link ImageCodec#decodeRgb} (the decoder of ingest and embed): grey images are replicated into three
     * channels, alpha is dropped, 16-bit images are scaled to 8 bits, and EXIF orientation is ignored (PIL
     * and torchvision's ImageFolder loader do not rotate either). The structure is checked first, so a
     * truncated file fails instead of decoding to a partly grey picture; other formats (GIF, BMP, TIFF,
     * WebP) are refused as ingest refuses them. No pixel limit (ingest applies its own).
     *
     * @throws CorruptImageException when the bytes are not a complete, decodable JPEG or PNG
     */
    public static Rgb8 decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) throw new CorruptImageException("empty image bytes");
        try {
            RgbImage img = ImageCodec.decodeRgb(bytes, Long.MAX_VALUE);
            return new Rgb8(img.width(), img.height(), img.rgb());
        } catch (ImageException e) {
            throw new CorruptImageException("cannot decode " + bytes.length + " bytes: " + e.getMessage());
        }
    }

    /** Copies a continuous or non-continuous CV_8UC3 Mat (RGB order) into a new {@link Rgb8}. */
    public static Rgb8 fromMat(Mat m) {
        if (m.type() != CvType.CV_8UC3) throw new IllegalArgumentException("expected CV_8UC3, got " + CvType.typeToString(m.type()));
        Rgb8 img = Rgb8.blank(m.cols(), m.rows());
        if (m.isContinuous()) {
            m.get(0, 0, img.data);
        } else {
            Mat c = m.clone();
            c.get(0, 0, img.data);
            c.release();
        }
        return img;
    }

    /** A new CV_8UC3 Mat holding a copy of the image (the caller releases it). */
    public static Mat toMat(Rgb8 img) {
        load();
        Mat m = new Mat(img.height, img.width, CvType.CV_8UC3);
        m.put(0, 0, img.data);
        return m;
    }

    /** PNG bytes of an RGB image. */
    public static byte[] encodePng(Rgb8 img) {
        Mat m = toMat(img);
        MatOfByte out = new MatOfByte();
        try {
            Imgproc.cvtColor(m, m, Imgproc.COLOR_RGB2BGR);
            if (!Imgcodecs.imencode(".png", m, out, new MatOfInt(Imgcodecs.IMWRITE_PNG_COMPRESSION, 6))) {
                throw new IllegalStateException("PNG encoding failed");
            }
            return out.toArray();
        } finally {
            m.release();
            out.release();
        }
    }

    /** Applies a 256-entry table to every channel with OpenCV's LUT, in place. */
    public static void lut(Rgb8 img, byte[] table) {
        Mat m = toMat(img);
        Mat t = new Mat(1, 256, CvType.CV_8UC1);
        try {
            t.put(0, 0, table);
            Core.LUT(m, t, m);
            m.get(0, 0, img.data);
        } finally {
            m.release();
            t.release();
        }
    }
}
