package org.vitssl.augment.job;

import org.vitssl.augment.View;
import org.vitssl.augment.transform.PilBicubic;
import org.vitssl.augment.transform.Rgb8;

import java.util.List;

/**
 * A contact sheet of an image and its views: row 1 the original (scaled to the cell height, aspect kept)
 * followed by the global crops, row 2 the local crops; every view is scaled to cell x cell so small local
 * crops are visible. Grey background, 6-pixel gaps.
 */
public final class ContactSheet {
    private static final int GAP = 6;
    private static final byte BACKGROUND = (byte) 200;

    private ContactSheet() {}

    public static Rgb8 render(Rgb8 original, List<View> views, int cell) {
        int ow = Math.max(1, (int) Math.round(original.width * (double) cell / original.height));
        Rgb8 orig = PilBicubic.resize(original, ow, cell);
        long globals = views.stream().filter(View::global).count();
        long locals = views.size() - globals;
        int row1 = GAP + ow + (int) globals * (cell + GAP) + GAP;
        int row2 = GAP + (int) locals * (cell + GAP);
        int width = Math.max(row1, row2);
        int height = GAP + cell + GAP + (locals > 0 ? cell + GAP : 0);
        Rgb8 sheet = Rgb8.blank(width, height);
        java.util.Arrays.fill(sheet.data, BACKGROUND);
        paste(sheet, orig, GAP, GAP);
        int x1 = GAP + ow + 2 * GAP, x2 = GAP;
        for (View v : views) {
            Rgb8 p = v.pixels();
            Rgb8 cellImg = p.width == cell && p.height == cell ? p : PilBicubic.resize(p, cell, cell);
            if (v.global()) {
                paste(sheet, cellImg, x1, GAP);
                x1 += cell + GAP;
            } else {
                paste(sheet, cellImg, x2, 2 * GAP + cell);
                x2 += cell + GAP;
            }
        }
        return sheet;
    }

    private static void paste(Rgb8 dst, Rgb8 src, int x, int y) {
        for (int r = 0; r < src.height; r++) {
            System.arraycopy(src.data, r * src.width * 3, dst.data, ((y + r) * dst.width + x) * 3, src.width * 3);
        }
    }
}
