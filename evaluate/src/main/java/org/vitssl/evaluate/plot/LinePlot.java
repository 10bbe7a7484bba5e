package org.vitssl.evaluate.plot;

import org.apache.hadoop.conf.Configuration;
import org.vitssl.common.io.HadoopFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line plot (metrics against epoch) rendered with Java2D in headless mode and written as PNG:
 * axes with round-number ticks, one coloured line with point markers per series, a legend, a title.
 * Points with a NaN coordinate are skipped (the line breaks there).
 *
 * <pre>{@code
 * new LinePlot("k-NN top-1 vs epoch", "epoch", "top-1 (%)")
 *     .series("k=20", epochs, top1k20).series("probe", epochs, probe)
 *     .writePng("out/metrics.png", hadoopConf);
 * }</pre>
 */
public final class LinePlot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)
    };

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();

    private record Series(String name, double[] x, double[] y) {}

    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a series; x and y must have the same length. */
    public LinePlot series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
        }
        series.add(new Series(name, x.clone(), y.clone()));
        return this;
    }

    /** A series from points keyed by x, drawn in x order. */
    public LinePlot series(String name, java.util.SortedMap<Double, Double> points) {
        return series(name, points.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                points.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Renders at the given size in pixels. */
    public BufferedImage render(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw(g, width, height);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** PNG bytes at the given size. */
    public byte[] png(int width, int height) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(render(width, height), "png", out)) throw new IOException("no PNG writer");
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the plot '" + title + "' as PNG", e);
        }
    }

    /** Writes an 800 x 500 PNG to any Hadoop path (local, HDFS, S3A). */
    public void writePng(String path, Configuration hadoopConf) {
        HadoopFiles.writeBytes(path, png(800, 500), hadoopConf);
    }

    private void draw(Graphics2D g, int w, int h) {
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, h / 40));
        Font bold = base.deriveFont(Font.BOLD, base.getSize2D() * 1.2f);
        g.setFont(base);
        FontMetrics fm = g.getFontMetrics();
        double[] xr = range(true), yr = range(false);
        double[] xt = ticks(xr[0], xr[1]), yt = ticks(yr[0], yr[1]);
        xr = new double[] {Math.min(xr[0], xt[0]), Math.max(xr[1], xt[xt.length - 1])};
        yr = new double[] {Math.min(yr[0], yt[0]), Math.max(yr[1], yt[yt.length - 1])};
        int yTickW = 0;
        for (double t : yt) yTickW = Math.max(yTickW, fm.stringWidth(label(t, yt)));
        int left = 20 + fm.getHeight() + yTickW, right = 20, top = 20 + 2 * fm.getHeight(), bottom = 20 + 2 * fm.getHeight();
        int pw = w - left - right, ph = h - top - bottom;
        if (pw < 10 || ph < 10) throw new IllegalArgumentException("plot size " + w + "x" + h + " is too small");
        // title
        g.setFont(bold);
        g.setColor(Color.BLACK);
        g.drawString(title, (w - g.getFontMetrics().stringWidth(title)) / 2, 10 + g.getFontMetrics().getAscent());
        g.setFont(base);
        // grid and ticks
        for (double t : xt) {
            int px = left + (int) Math.round((t - xr[0]) / (xr[1] - xr[0]) * pw);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(px, top, px, top + ph);
            g.setColor(Color.BLACK);
            g.drawLine(px, top + ph, px, top + ph + 4);
            String s = label(t, xt);
            g.drawString(s, px - fm.stringWidth(s) / 2, top + ph + 6 + fm.getAscent());
        }
        for (double t : yt) {
            int py = top + ph - (int) Math.round((t - yr[0]) / (yr[1] - yr[0]) * ph);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(left, py, left + pw, py);
            g.setColor(Color.BLACK);
            g.drawLine(left - 4, py, left, py);
            String s = label(t, yt);
            g.drawString(s, left - 6 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        // axis labels
        g.drawString(xLabel, left + (pw - fm.stringWidth(xLabel)) / 2, h - 8);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + (ph + fm.stringWidth(yLabel)) / 2), 10 + fm.getAscent());
        g.setTransform(saved);
        // series
        g.setClip(left - 4, top - 4, pw + 8, ph + 8);
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            g.setColor(PALETTE[si % PALETTE.length]);
            g.setStroke(new BasicStroke(2f));
            Path2D.Double path = new Path2D.Double();
            boolean pen = false;
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isNaN(s.x[i]) || Double.isNaN(s.y[i])) { pen = false; continue; }
                double px = left + (s.x[i] - xr[0]) / (xr[1] - xr[0]) * pw;
                double py = top + ph - (s.y[i] - yr[0]) / (yr[1] - yr[0]) * ph;
                if (pen) path.lineTo(px, py); else path.moveTo(px, py);
                pen = true;
                g.fill(new Ellipse2D.Double(px - 3, py - 3, 6, 6));
            }
            g.draw(path);
        }
        g.setClip(null);
        // legend (top left inside the plot)
        if (!series.isEmpty()) {
            int lw = 0;
            for (Series s : series) lw = Math.max(lw, fm.stringWidth(s.name));
            int lh = series.size() * fm.getHeight() + 8, bx = left + 10, by = top + 10;
            g.setColor(new Color(255, 255, 255, 230));
            g.fillRect(bx, by, lw + 40, lh);
            g.setColor(Color.GRAY);
            g.drawRect(bx, by, lw + 40, lh);
            for (int si = 0; si < series.size(); si++) {
                int yy = by + 4 + si * fm.getHeight() + fm.getAscent();
                g.setColor(PALETTE[si % PALETTE.length]);
                g.setStroke(new BasicStroke(2f));
                g.drawLine(bx + 6, yy - fm.getAscent() / 3, bx + 28, yy - fm.getAscent() / 3);
                g.setColor(Color.BLACK);
                g.drawString(series.get(si).name, bx + 34, yy);
            }
        }
    }

    /** Data range of x or y over all series (finite values); a degenerate range is widened. */
    private double[] range(boolean x) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            double[] v = x ? s.x : s.y;
            for (double d : v) {
                if (Double.isFinite(d)) { lo = Math.min(lo, d); hi = Math.max(hi, d); }
            }
        }
        if (lo > hi) return new double[] {0, 1};
        if (lo == hi) {
            double pad = Math.max(1, Math.abs(lo) * 0.05);
            return new double[] {lo - pad, hi + pad};
        }
        return new double[] {lo, hi};
    }

    /** About five round-number ticks (1, 2 or 5 times a power of ten) covering [lo, hi]. */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * mag >= raw) { step = m * mag; break; }
        }
        double start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
        int n = (int) Math.round((end - start) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = start + i * step;
        return t;
    }

    private static String label(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step * 1e-9 ? 0.0 : v);
    }
}
