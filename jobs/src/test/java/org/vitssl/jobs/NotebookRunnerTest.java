package org.vitssl.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NotebookRunnerTest {
    @TempDir Path dir;

    private int run(Path nb, ByteArrayOutputStream out) {
        return Main.run(new String[] {"notebook", nb.toString(), "notebook.output-dir=" + dir.resolve("html")},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @Test
    void runsCellsInOrderAndRendersMarkdownOutputAndImages() throws Exception {
        Path png = dir.resolve("dot.png");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(img, "png", png.toFile());
        Path nb = dir.resolve("demo.jsh");
        Files.writeString(nb, String.join("\n",
                "// %% md",
                "// # Title **bold**",
                "// - item `x`",
                "// %%",
                "import static org.vitssl.jobs.notebook.Show.*;",
                "int a = 20;",
                "int b = a + 22;",
                "// %%",
                "System.out.println(\"answer=\" + b);",
                "image(\"" + png + "\");",
                "table(java.util.List.of(java.util.List.of(\"k\", \"top1\"), java.util.List.of(20, 84.6)));"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, run(nb, out), out.toString());
        String html = Files.readString(dir.resolve("html/demo.html"));
        assertTrue(html.contains("<h1>Title <b>bold</b></h1>"), html);
        assertTrue(html.contains("<li>item <code>x</code></li>"), html);
        assertTrue(html.contains("answer=42"), html);
        assertTrue(html.contains("data:image/png;base64,"), html);
        assertTrue(html.contains("84.6"), html);
    }

    @Test
    void aFailingCellFailsTheRunAndNamesTheCell() throws Exception {
        Path nb = dir.resolve("bad.jsh");
        Files.writeString(nb, String.join("\n",
                "// %%", "int x = 1;",
                "// %%", "if (x == 1) throw new IllegalStateException(\"boom\");",
                "// %%", "System.out.println(\"never\");"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(1, run(nb, out));
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("cell 2") && s.contains("boom"), s);
        assertTrue(!Files.readString(dir.resolve("html/bad.html")).contains("never"));
    }

    @Test
    void aCompileErrorFailsTheRun() throws Exception {
        Path nb = dir.resolve("typo.jsh");
        Files.writeString(nb, "// %%\nint y = undefinedThing + 1;\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(1, run(nb, out));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("undefinedThing"), out.toString());
    }
}
