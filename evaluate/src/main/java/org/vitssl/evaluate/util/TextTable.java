package org.vitssl.evaluate.util;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table for console output (columns padded to their widest cell). */
public final class TextTable {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    public TextTable(String... header) {
        this.header = header;
    }

    public TextTable row(Object... cells) {
        if (cells.length != header.length) throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.length);
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) r[i] = String.valueOf(cells[i]);
        rows.add(r);
        return this;
    }

    public int size() { return rows.size(); }

    @Override public String toString() {
        int[] w = new int[header.length];
        for (int i = 0; i < header.length; i++) w[i] = header[i].length();
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        StringBuilder b = new StringBuilder();
        line(b, header, w);
        StringBuilder sep = new StringBuilder();
        for (int i = 0; i < w.length; i++) sep.append(i == 0 ? "" : "-+-").append("-".repeat(w[i]));
        b.append(sep).append('\n');
        for (String[] r : rows) line(b, r, w);
        return b.toString();
    }

    private static void line(StringBuilder b, String[] cells, int[] w) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) b.append(" | ");
            b.append(String.format("%" + w[i] + "s", cells[i]));
        }
        b.append('\n');
    }
}
