package org.vitssl.jobs.visualize;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A grid of captioned image cells (rows x columns) rendered as one PNG; cells are scaled to a fixed size. */
public final class ImageGrid {
    private final int cell;
    private final List<String> columnTitles;
    private final List<List<BufferedImage>> rows = new ArrayList<>();
    private final List<List<String>> captions = new ArrayList<>();

    public ImageGrid(int cell, List<String> columnTitles) {
        this.cell = cell;
        this.columnTitles = columnTitles;
    }

    public ImageGrid row(List<BufferedImage> images, List<String> caps) {
        rows.add(images);
        captions.add(caps);
        return this;
    }

    public BufferedImage render() {
        int cols = rows.stream().mapToInt(List::size).max().orElse(0);
        cols = Math.max(cols, columnTitles.size());
        int head = 18, cap = 14, pad = 4;
        int w = cols * (cell + pad) + pad, h = head + rows.size() * (cell + cap + pad) + pad;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
        for (int c = 0; c < columnTitles.size(); c++) g.drawString(clip(columnTitles.get(c)), pad + c * (cell + pad), 13);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int r = 0; r < rows.size(); r++) {
            int y = head + r * (cell + cap + pad);
            for (int c = 0; c < rows.get(r).size(); c++) {
                int x = pad + c * (cell + pad);
                g.drawImage(rows.get(r).get(c), x, y, cell, cell, null);
                String s = c < captions.get(r).size() ? captions.get(r).get(c) : "";
                g.drawString(clip(s), x, y + cell + 11);
            }
        }
        g.dispose();
        return out;
    }

    private String clip(String s) {
        int max = Math.max(4, cell / 6);
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    public byte[] png() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(render(), "png", b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
