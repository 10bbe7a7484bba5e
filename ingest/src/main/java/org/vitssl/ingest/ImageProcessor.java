package org.vitssl.ingest;

import org.apache.spark.sql.Row;
import org.opencv.core.Mat;
import org.vitssl.common.image.ImageCodec;
import org.vitssl.common.image.ImageException;
import org.vitssl.common.image.ImageHeader;
import org.vitssl.common.image.ImageProblem;
import org.vitssl.common.image.OpenCv;

/**
 * Turns one file's bytes into a row of the images table, or a quarantine row with the reason.
 * Every image is fully decoded (a file that only looks right is not enough); the stored bytes are the
 * original ones unless re-encoding is on or the JPEG is CMYK/YCCK, which is stored re-encoded as RGB.
 */
public final class ImageProcessor {
    private final IngestSettings.Processing p;

    public ImageProcessor(IngestSettings.Processing p) {
        this.p = p;
        OpenCv.setThreads(1); // one Spark task per core
    }

    /** {@code length} is the size from the listing, checked before reading; {@code bytes} null if not read. */
    public boolean tooLargeFile(long length) { return length > p.maxFileBytes; }

    public Row tooLarge(String imageId, int label, String className, String path, long length) {
        return IngestRows.bad(imageId, label, className, path, ImageProblem.TOO_LARGE.id(),
                "file of " + length + " bytes exceeds the limit of " + p.maxFileBytes + " bytes");
    }

    public Row process(String imageId, int label, String className, String path, byte[] bytes) {
        Mat decoded = null, resized = null;
        try {
            if (bytes.length > p.maxFileBytes) return tooLarge(imageId, label, className, path, bytes.length);
            ImageHeader h = ImageHeader.inspect(bytes);
            decoded = ImageCodec.decodeBgr(bytes, h, p.maxPixels);
            if (!p.reencode && !h.isCmykJpeg()) {
                return IngestRows.good(imageId, label, className, decoded.cols(), decoded.rows(), h.format.id(), bytes, path);
            }
            resized = ImageCodec.resizeShorterSide(decoded, p.reencode ? p.shorterSide : 0, p.upscale);
            byte[] jpeg = ImageCodec.encodeJpeg(resized, p.jpegQuality);
            return IngestRows.good(imageId, label, className, resized.cols(), resized.rows(), "jpeg", jpeg, path);
        } catch (ImageException e) {
            return IngestRows.bad(imageId, label, className, path, e.problem().id(), e.detail());
        } catch (RuntimeException e) {
            return IngestRows.bad(imageId, label, className, path, ImageProblem.CORRUPT.id(), String.valueOf(e));
        } finally {
            if (resized != null && resized != decoded) resized.release();
            if (decoded != null) decoded.release();
        }
    }

    /** A decoded record image (IDX gray, CIFAR BGR): PNG, or resized JPEG when re-encoding is on. Releases {@code m}. */
    public Row processRecord(String imageId, int label, String className, String path, Mat m) {
        Mat resized = null;
        try {
            if (!p.reencode) {
                return IngestRows.good(imageId, label, className, m.cols(), m.rows(), "png", ImageCodec.encodePng(m), path);
            }
            resized = ImageCodec.resizeShorterSide(m, p.shorterSide, p.upscale);
            return IngestRows.good(imageId, label, className, resized.cols(), resized.rows(), "jpeg",
                    ImageCodec.encodeJpeg(resized, p.jpegQuality), path);
        } finally {
            if (resized != null && resized != m) resized.release();
            m.release();
        }
    }
}
