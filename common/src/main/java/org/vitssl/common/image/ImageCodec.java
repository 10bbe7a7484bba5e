package org.vitssl.common.image;

import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Decode, resize and encode with OpenCV (libjpeg-turbo, libpng). Shared by ingest, augment and embed.
 *
 * <p>Every decode ends as 8-bit RGB whatever the source: grayscale and palette PNGs, 16-bit PNGs, CMYK
 * and YCCK JPEGs, and a PNG that carries a {@code .JPEG} name (the format comes from the bytes, never
 * the name). EXIF orientation is ignored, as PIL and torchvision do. Before decoding, the structure is
 * checked with {@link ImageHeader#inspect} so that a truncated file fails instead of decoding to a
 * partly gray picture, and the pixel count from the header is checked against the caller's limit so a
 * decompression bomb is refused without allocating it.
 *
 * <p>Mats returned to the caller must be {@link Mat#release() released} by the caller.
 */
public final class ImageCodec {
    private static final int DECODE_FLAGS = Imgcodecs.IMREAD_COLOR | Imgcodecs.IMREAD_IGNORE_ORIENTATION;

    private ImageCodec() {}

    /** Checks and decodes to a BGR 8-bit Mat (OpenCV's channel order). */
    public static Mat decodeBgr(byte[] bytes, long maxPixels) throws ImageException {
        return decodeBgr(bytes, ImageHeader.inspect(bytes), maxPixels);
    }

    /** As {@link #decodeBgr(byte[], long)} with the header already inspected. */
    public static Mat decodeBgr(byte[] bytes, ImageHeader header, long maxPixels) throws ImageException {
        OpenCv.load();
        if (header.pixels() > maxPixels) {
            throw new ImageException(ImageProblem.TOO_LARGE,
                    header.width + "x" + header.height + " = " + header.pixels() + " pixels exceeds the limit of " + maxPixels);
        }
        MatOfByte buf = new MatOfByte(bytes);
        Mat m;
        try {
            m = Imgcodecs.imdecode(buf, DECODE_FLAGS);
        } finally {
            buf.release();
        }
        if (m == null || m.empty()) {
            if (m != null) m.release();
            throw new ImageException(ImageProblem.CORRUPT, "the " + header.format.id() + " decoder rejected the data");
        }
        if ((long) m.cols() * m.rows() > maxPixels) {
            int w = m.cols(), h = m.rows();
            m.release();
            throw new ImageException(ImageProblem.TOO_LARGE, w + "x" + h + " pixels exceeds the limit of " + maxPixels);
        }
        return m;
    }

    /** Checks and decodes to RGB (HWC) in Java memory. */
    public static RgbImage decodeRgb(byte[] bytes, long maxPixels) throws ImageException {
        Mat bgr = decodeBgr(bytes, maxPixels);
        try {
            return toRgb(bgr);
        } finally {
            bgr.release();
        }
    }

    /** A BGR Mat's pixels as an {@link RgbImage}. */
    public static RgbImage toRgb(Mat bgr) {
        Mat rgb = new Mat();
        try {
            Imgproc.cvtColor(bgr, rgb, Imgproc.COLOR_BGR2RGB);
            byte[] px = new byte[rgb.cols() * rgb.rows() * 3];
            rgb.get(0, 0, px);
            return new RgbImage(rgb.cols(), rgb.rows(), px);
        } finally {
            rgb.release();
        }
    }

    /** An {@link RgbImage} as a new BGR Mat. */
    public static Mat fromRgb(RgbImage img) {
        OpenCv.load();
        Mat rgb = new Mat(img.height(), img.width(), CvType.CV_8UC3);
        rgb.put(0, 0, img.rgb());
        Mat bgr = new Mat();
        Imgproc.cvtColor(rgb, bgr, Imgproc.COLOR_RGB2BGR);
        rgb.release();
        return bgr;
    }

    /** A single-channel 8-bit Mat over {@code w*h} bytes of {@code px} from {@code offset} (IDX records). */
    public static Mat fromGray(byte[] px, int offset, int w, int h) {
        OpenCv.load();
        Mat m = new Mat(h, w, CvType.CV_8UC1);
        byte[] row = px;
        if (offset != 0 || px.length != w * h) {
            row = new byte[w * h];
            System.arraycopy(px, offset, row, 0, w * h);
        }
        m.put(0, 0, row);
        return m;
    }

    /** A BGR Mat from planar RGB (all R, then all G, then all B: the CIFAR record layout). */
    public static Mat fromRgbPlanar(byte[] px, int offset, int w, int h) {
        OpenCv.load();
        int n = w * h;
        byte[] bgr = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            bgr[3 * i] = px[offset + 2 * n + i];
            bgr[3 * i + 1] = px[offset + n + i];
            bgr[3 * i + 2] = px[offset + i];
        }
        Mat m = new Mat(h, w, CvType.CV_8UC3);
        m.put(0, 0, bgr);
        return m;
    }

    /**
     * The size after resizing the shorter side to {@code size} with the aspect ratio kept, as
     * torchvision's {@code Resize(size)}: the longer side is {@code (int) (size * long / short)}.
     * Returns {width, height}.
     */
    public static int[] shorterSideSize(int w, int h, int size) {
        if (w <= h) return new int[] {size, (int) ((long) size * h / w)};
        return new int[] {(int) ((long) size * w / h), size};
    }

    /**
     * Resizes so that the shorter side is {@code size} (area averaging when shrinking, bilinear when
     * enlarging). Returns {@code src} itself when nothing changes (same size, or smaller and
     * {@code upscale} false), else a new Mat.
     */
    public static Mat resizeShorterSide(Mat src, int size, boolean upscale) {
        int w = src.cols(), h = src.rows();
        int shorter = Math.min(w, h);
        if (size <= 0 || shorter == size || (shorter < size && !upscale)) return src;
        int[] wh = shorterSideSize(w, h, size);
        Mat dst = new Mat();
        Imgproc.resize(src, dst, new Size(wh[0], wh[1]), 0, 0, shorter > size ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
        return dst;
    }

    /** Baseline JPEG at {@code quality} (1-100), 4:2:0 chroma subsampling as libjpeg's and PIL's default. */
    public static byte[] encodeJpeg(Mat m, int quality) {
        return encode(".jpg", m, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, quality));
    }

    /** Lossless PNG (used for small record images: IDX, CIFAR). */
    public static byte[] encodePng(Mat m) {
        return encode(".png", m, new MatOfInt(Imgcodecs.IMWRITE_PNG_COMPRESSION, 6));
    }

    private static byte[] encode(String ext, Mat m, MatOfInt params) {
        OpenCv.load();
        MatOfByte out = new MatOfByte();
        try {
            if (!Imgcodecs.imencode(ext, m, out, params)) throw new IllegalStateException("OpenCV could not encode " + ext);
            return out.toArray();
        } finally {
            out.release();
            params.release();
        }
    }
}
