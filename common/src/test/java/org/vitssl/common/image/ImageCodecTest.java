package org.vitssl.common.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencv.core.Mat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding of the fixtures written by PIL (common/src/test/python/make_image_fixtures.py): 64x48 images
 * of four flat quadrants with known colours, checked at each quadrant's centre.
 */
class ImageCodecTest {
    static final int[][] COLORS = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
    static final int[] GRAYS = {0, 85, 170, 255};
    static final int[][] CENTRES = {{16, 12}, {48, 12}, {16, 36}, {48, 36}};

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = ImageCodecTest.class.getResourceAsStream("/fixtures/images/" + name)) {
            if (in == null) throw new IOException("missing fixture " + name);
            return in.readAllBytes();
        }
    }

    static void assertQuadrants(RgbImage img, boolean gray, int tol) {
        assertEquals(64, img.width());
        assertEquals(48, img.height());
        for (int q = 0; q < 4; q++) {
            int x = CENTRES[q][0], y = CENTRES[q][1];
            for (int ch = 0; ch < 3; ch++) {
                int got = img.rgb()[(y * 64 + x) * 3 + ch] & 0xFF;
                int want = gray ? GRAYS[q] : COLORS[q][ch];
                assertTrue(Math.abs(got - want) <= tol, "quadrant " + q + " channel " + ch + ": got " + got + ", want " + want);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb.jpg", "progressive.jpg", "cmyk.jpg", "rgb.png", "palette.png", "rgba.png", "png-named.JPEG", "exif-thumb.jpg"})
    void colourImagesDecodeToRgb(String name) throws Exception {
        assertQuadrants(ImageCodec.decodeRgb(fixture(name), 1_000_000), false, 12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gray.jpg", "gray.png", "gray16.png"})
    void grayImagesDecodeToRgb(String name) throws Exception {
        assertQuadrants(ImageCodec.decodeRgb(fixture(name), 1_000_000), true, 6);
    }

    @Test
    void formatComesFromTheBytesNotTheName() throws Exception {
        ImageHeader h = ImageHeader.inspect(fixture("png-named.JPEG"));
        assertEquals(ImageFormat.PNG, h.format);
        assertEquals(64, h.width);
        assertEquals(48, h.height);
    }

    @Test
    void cmykJpegIsRecognised() throws Exception {
        ImageHeader h = ImageHeader.inspect(fixture("cmyk.jpg"));
        assertTrue(h.isCmykJpeg());
        assertEquals(3, ImageHeader.inspect(fixture("rgb.jpg")).components);
        assertEquals(1, ImageHeader.inspect(fixture("gray.jpg")).components);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg", "exif-thumb.jpg", "rgb.png", "gray16.png", "palette.png"})
    void truncationIsDetectedAtEveryCut(String name) throws Exception {
        byte[] full = fixture(name);
        ImageHeader.inspect(full); // complete file passes
        // Cutting anywhere (headers, middle of the data, just the end marker) is reported as truncated.
        for (int len : new int[] {full.length - 1, full.length - 2, full.length * 3 / 4, full.length / 2, 40}) {
            byte[] cut = Arrays.copyOf(full, len);
            ImageException e = assertThrows(ImageException.class, () -> ImageCodec.decodeRgb(cut, 1_000_000), name + " cut at " + len);
            assertEquals(ImageProblem.TRUNCATED, e.problem(), name + " cut at " + len + ": " + e.getMessage());
        }
    }

    @Test
    void thumbnailEndMarkerIsNotTakenForTheEndOfTheImage() throws Exception {
        byte[] full = fixture("exif-thumb.jpg");
        int firstEoi = -1;
        for (int i = 0; i + 1 < full.length; i++) {
            if ((full[i] & 0xFF) == 0xFF && (full[i + 1] & 0xFF) == 0xD9) { firstEoi = i; break; }
        }
        assertTrue(firstEoi > 0 && firstEoi < full.length - 2, "fixture has a thumbnail EOI before the end");
        byte[] cut = Arrays.copyOf(full, firstEoi + 200);
        assertEquals(ImageProblem.TRUNCATED, assertThrows(ImageException.class, () -> ImageHeader.inspect(cut)).problem());
    }

    @Test
    void badFilesHaveTheirReasons() throws Exception {
        assertEquals(ImageProblem.ZERO_BYTES, assertThrows(ImageException.class, () -> ImageCodec.decodeRgb(fixture("zero.jpg"), 100)).problem());
        assertEquals(ImageProblem.NOT_AN_IMAGE, assertThrows(ImageException.class, () -> ImageCodec.decodeRgb(fixture("text.jpg"), 100)).problem());
        assertEquals(ImageProblem.UNSUPPORTED_FORMAT, assertThrows(ImageException.class, () -> ImageCodec.decodeRgb(fixture("small.gif"), 100)).problem());
        ImageException big = assertThrows(ImageException.class, () -> ImageCodec.decodeRgb(fixture("rgb.jpg"), 64 * 48 - 1));
        assertEquals(ImageProblem.TOO_LARGE, big.problem());
        assertTrue(big.getMessage().contains("64x48"), big.getMessage());
        // A JPEG whose scan data is replaced by garbage after a valid header structure: the decoder rejects it.
        byte[] junk = fixture("rgb.jpg");
        byte[] noFrame = new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9};
        assertEquals(ImageProblem.CORRUPT, assertThrows(ImageException.class, () -> ImageHeader.inspect(noFrame)).problem());
        assertTrue(junk.length > 0);
    }

    @Test
    void resizeShorterSideFollowsTorchvision() throws Exception {
        assertArrayEquals(new int[] {341, 256}, ImageCodec.shorterSideSize(500, 375, 256));
        assertArrayEquals(new int[] {256, 341}, ImageCodec.shorterSideSize(375, 500, 256));
        assertArrayEquals(new int[] {85, 64}, ImageCodec.shorterSideSize(64, 48, 64));
        Mat m = ImageCodec.decodeBgr(fixture("rgb.jpg"), 1_000_000);
        Mat r = ImageCodec.resizeShorterSide(m, 24, false);
        assertEquals(32, r.cols());
        assertEquals(24, r.rows());
        assertTrue(ImageCodec.resizeShorterSide(m, 96, false) == m, "no upscaling unless asked");
        Mat up = ImageCodec.resizeShorterSide(m, 96, true);
        assertEquals(128, up.cols());
        // Re-encoded JPEG decodes to the same quadrants at the new size.
        RgbImage back = ImageCodec.decodeRgb(ImageCodec.encodeJpeg(up, 95), 1_000_000);
        assertEquals(128, back.width());
        assertEquals(96, back.height());
        int centreRed = ((24 * 128) + 32) * 3;
        assertTrue((back.rgb()[centreRed] & 0xFF) > 240 && (back.rgb()[centreRed + 1] & 0xFF) < 15);
        m.release(); r.release(); up.release();
    }

    @Test
    void pngRoundTripIsLossless() throws Exception {
        byte[] gray = new byte[7 * 5];
        for (int i = 0; i < gray.length; i++) gray[i] = (byte) (i * 7);
        Mat m = ImageCodec.fromGray(gray, 0, 7, 5);
        RgbImage back = ImageCodec.decodeRgb(ImageCodec.encodePng(m), 100);
        for (int i = 0; i < gray.length; i++) {
            for (int c = 0; c < 3; c++) assertEquals(gray[i], back.rgb()[3 * i + c]);
        }
        m.release();
    }
}
