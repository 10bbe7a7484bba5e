package org.vitssl.jobs.notebook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Java notebook: a JShell script ({@code .jsh}) cut into cells by lines {@code // %%} (code) and
 * {@code // %% md} (Markdown, each line starting with {@code //}). The same file runs in plain
 * {@code jshell} unchanged, since every marker and Markdown line is a comment.
 */
public record Notebook(Path source, List<Cell> cells) {
    public record Cell(int index, boolean markdown, String text, int firstLine) {}

    public static Notebook parse(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Cell> cells = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean md = false;
        int start = 1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            String t = l.strip();
            if (t.startsWith("// %%")) {
                add(cells, cur, md, start);
                cur.setLength(0);
                md = t.substring(5).strip().equalsIgnoreCase("md");
                start = i + 2;
                continue;
            }
            if (md) {
                cur.append(t.startsWith("//") ? t.substring(2).replaceFirst("^ ", "") : t).append('\n');
            } else {
                cur.append(l).append('\n');
            }
        }
        add(cells, cur, md, start);
        return new Notebook(file, cells);
    }

    private static void add(List<Cell> cells, StringBuilder text, boolean md, int firstLine) {
        String s = text.toString();
        if (s.isBlank()) return;
        cells.add(new Cell(cells.size() + 1, md, s.stripTrailing(), firstLine));
    }
}
