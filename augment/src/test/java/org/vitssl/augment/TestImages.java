package org.vitssl.augment;

import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.PilBicubic;
import org.vitssl.augment.transform.Rgb8;

import java.util.ArrayList;
import java.util.List;

/** Small real photographs (the fixture inputs) re-cropped, resized and JPEG-encoded, plus corrupt bytes. */
final class TestImages {
    private TestImages() {}

    static byte[] jpeg(Rgb8 img) {
        Mat m = OpenCv.toMat(img);
        MatOfByte out = new MatOfByte();
        Imgproc.cvtColor(m, m, Imgproc.COLOR_RGB2BGR);
        Imgcodecs.imencode(".jpg", m, out, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 92));
        byte[] b = out.toArray();
        m.release();
        out.release();
        return b;
    }

    /** n distinct JPEG images of varied sizes (ids img-000 ...), labels i % 3. */
    static List<ImageRecord> records(int n) {
        OpenCv.load();
        String[] names = {"coffee", "cat", "astro"};
        List<ImageRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Rgb8 src = FaithfulnessTest.input(names[i % 3]);
            int w = 40 + (i * 7) % 29, h = 36 + (i * 11) % 31;
            int x = i % Math.max(1, src.width - 20), y = (i * 3) % Math.max(1, src.height - 20);
            int cw = Math.min(src.width - x, 20 + i % 30), ch = Math.min(src.height - y, 20 + (i * 5) % 30);
            Rgb8 img = PilBicubic.resizeBox(src, x, y, cw, ch, w, h);
            out.add(new ImageRecord(String.format("img-%03d", i), i % 3, jpeg(img)));
        }
        return out;
    }

    static byte[] corrupt() {
        byte[] b = records(1).get(0).bytes();
        return java.util.Arrays.copyOf(b, 40); // a truncated header
    }
}
