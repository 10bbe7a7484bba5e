package org.vitssl.evaluate.plot;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PNG line plot: decodable, the right size, series drawn in their colours, bad input refused. */
class LinePlotTest {

    @Test
    void writesADecodablePngWithTheSeries(@TempDir Path dir) throws Exception {
        double[] epochs = {0, 10, 20, 30, 40, 50};
        LinePlot p = new LinePlot("k-NN and probe vs epoch", "epoch", "top-1 (%)")
                .series("k-NN k=20", epochs, new double[] {12.5, 30.1, 41.7, 48.2, 51.0, 52.4})
                .series("linear probe (L-BFGS logistic regression)", epochs, new double[] {20.3, 38.2, 47.9, Double.NaN, 56.1, 57.0});
        String file = dir.resolve("metrics.png").toString();
        p.writePng("file://" + file, new Configuration());
        BufferedImage img = ImageIO.read(new File(file));
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        int blue = 0, red = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                if (rgb == 0x1f77b4) blue++;
                if (rgb == 0xd62728) red++;
            }
        }
        assertTrue(blue > 300 && red > 300, "series pixels: blue " + blue + ", red " + red);
        // the same plot renders to the same pixels
        assertArrayEquals(p.png(320, 200), p.png(320, 200));
        // the copy kept for reading in the repository's docs
        File keep = new File(System.getProperty("java.io.tmpdir"), "vitssl-evaluate-lineplot.png");
        p.writePng("file://" + keep.getAbsolutePath(), new Configuration());
    }

    @Test
    void ticksAreRoundNumbers() {
        assertArrayEquals(new double[] {0, 10, 20, 30, 40, 50}, LinePlot.ticks(0, 50), 1e-12);
        assertArrayEquals(new double[] {12, 14, 16, 18, 20}, LinePlot.ticks(12.5, 19.9), 1e-12);
    }

    @Test
    void mismatchedSeriesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LinePlot("t", "x", "y").series("s", new double[] {1, 2}, new double[] {1}));
        assertTrue(e.getMessage().contains("series 's'"), e.getMessage());
    }
}
