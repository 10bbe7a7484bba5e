package org.vitssl.jobs.notebook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a run notebook as one self-contained HTML page: Markdown cells as HTML, code cells with their
 * output, and images a cell showed (output lines {@code [[image:path]]}) embedded as base64 PNG.
 */
public final class NotebookHtml {
    public static final String IMAGE_MARK = "[[image:";
    private static final Pattern BOLD = Pattern.compile("\\*\\*(.+?)\\*\\*");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern LINK = Pattern.compile("\\[([^]]+)]\\(([^)]+)\\)");

    private NotebookHtml() {}

    public static String render(Notebook nb, List<NotebookRunner.CellResult> results) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>")
                .append(esc(nb.source().getFileName().toString()))
                .append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
                        + "pre{background:#f6f8fa;padding:.6em;overflow-x:auto}pre.out{background:#fff;border-left:3px solid #8a8}"
                        + "pre.err{background:#fee;border-left:3px solid #c33}img{max-width:100%}</style></head><body>\n");
        for (NotebookRunner.CellResult r : results) {
            Notebook.Cell c = r.cell();
            if (c.markdown()) {
                b.append(markdown(c.text()));
                continue;
            }
            b.append("<pre class=\"code\">").append(esc(c.text())).append("</pre>\n");
            StringBuilder text = new StringBuilder();
            for (String line : r.output().split("\n", -1)) {
                String t = line.strip();
                if (t.startsWith(IMAGE_MARK) && t.endsWith("]]")) {
                    flush(b, text);
                    Path p = Path.of(t.substring(IMAGE_MARK.length(), t.length() - 2));
                    b.append("<img src=\"data:image/png;base64,")
                            .append(Base64.getEncoder().encodeToString(Files.readAllBytes(p)))
                            .append("\" alt=\"").append(esc(p.getFileName().toString())).append("\">\n");
                } else {
                    text.append(line).append('\n');
                }
            }
            flush(b, text);
            if (r.error() != null) b.append("<pre class=\"err\">").append(esc(r.error())).append("</pre>\n");
        }
        return b.append("</body></html>\n").toString();
    }

    private static void flush(StringBuilder b, StringBuilder text) {
        if (!text.toString().isBlank()) b.append("<pre class=\"out\">").append(esc(text.toString().stripTrailing())).append("</pre>\n");
        text.setLength(0);
    }

    /** The Markdown the notebooks use: headings, paragraphs, lists, fenced code, bold, code, links. */
    static String markdown(String md) {
        StringBuilder b = new StringBuilder();
        boolean inList = false, inCode = false;
        StringBuilder para = new StringBuilder();
        for (String line : md.split("\n", -1)) {
            if (line.startsWith("```")) {
                para = endPara(b, para);
                if (inList) { b.append("</ul>\n"); inList = false; }
                b.append(inCode ? "</pre>\n" : "<pre>");
                inCode = !inCode;
                continue;
            }
            if (inCode) { b.append(esc(line)).append('\n'); continue; }
            String t = line.strip();
            if (t.startsWith("#")) {
                para = endPara(b, para);
                int level = 0;
                while (level < t.length() && t.charAt(level) == '#') level++;
                level = Math.min(level, 6);
                b.append("<h").append(level).append('>').append(inline(t.substring(level).strip()))
                        .append("</h").append(level).append(">\n");
            } else if (t.startsWith("- ") || t.startsWith("* ")) {
                para = endPara(b, para);
                if (!inList) { b.append("<ul>\n"); inList = true; }
                b.append("<li>").append(inline(t.substring(2))).append("</li>\n");
            } else if (t.isEmpty()) {
                para = endPara(b, para);
                if (inList) { b.append("</ul>\n"); inList = false; }
            } else {
                para.append(inline(t)).append(' ');
            }
        }
        endPara(b, para);
        if (inList) b.append("</ul>\n");
        if (inCode) b.append("</pre>\n");
        return b.toString();
    }

    private static StringBuilder endPara(StringBuilder b, StringBuilder para) {
        if (!para.toString().isBlank()) b.append("<p>").append(para.toString().strip()).append("</p>\n");
        return new StringBuilder();
    }

    private static String inline(String s) {
        String e = esc(s);
        e = CODE.matcher(e).replaceAll("<code>$1</code>");
        e = BOLD.matcher(e).replaceAll("<b>$1</b>");
        Matcher m = LINK.matcher(e);
        return m.replaceAll("<a href=\"$2\">$1</a>");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
