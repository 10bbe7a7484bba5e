package org.vitssl.jobs.notebook;

import java.nio.file.Path;
import java.util.List;

/** Helpers a notebook cell calls ({@code import static org.vitssl.jobs.notebook.Show.*;}). */
public final class Show {
    private Show() {}

    /** Embeds a PNG in the rendered page (in plain jshell it just prints the path). */
    public static void image(String png) {
        if (!Path.of(png).toFile().isFile()) throw new IllegalArgumentException("no image at " + png);
        System.out.println(NotebookHtml.IMAGE_MARK + Path.of(png).toAbsolutePath() + "]]");
    }

    /** Prints rows as an aligned text table; the first row is the header. */
    public static void table(List<List<?>> rows) {
        if (rows.isEmpty()) return;
        int cols = rows.get(0).size();
        int[] w = new int[cols];
        for (List<?> r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], String.valueOf(r.get(i)).length());
        StringBuilder b = new StringBuilder();
        for (int ri = 0; ri < rows.size(); ri++) {
            List<?> r = rows.get(ri);
            for (int i = 0; i < cols; i++) b.append(String.format("%-" + (w[i] + 2) + "s", r.get(i)));
            b.append('\n');
            if (ri == 0) {
                for (int i = 0; i < cols; i++) b.append("-".repeat(w[i])).append("  ");
                b.append('\n');
            }
        }
        System.out.print(b);
    }
}
