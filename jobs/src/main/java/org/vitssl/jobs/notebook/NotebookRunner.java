package org.vitssl.jobs.notebook;

import jdk.jshell.Diag;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs a {@link Notebook}'s code cells in order in one JShell (local execution, so cells see the
 * project's classes) and collects each cell's output. The first failing cell (a compile error, a
 * rejected snippet or an exception) stops the run and is reported with its line in the file.
 */
public final class NotebookRunner {
    /** Output of one code cell; {@code error} is null when it succeeded. */
    public record CellResult(Notebook.Cell cell, String output, String error) {}

    public static List<CellResult> run(Notebook nb, String classPath) {
        List<CellResult> results = new ArrayList<>();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        try (JShell shell = JShell.builder().executionEngine("local").out(ps).err(ps).build()) {
            for (String entry : classPath.split(File.pathSeparator)) {
                if (!entry.isBlank()) shell.addToClasspath(entry);
            }
            for (Notebook.Cell cell : nb.cells()) {
                if (cell.markdown()) {
                    results.add(new CellResult(cell, "", null));
                    continue;
                }
                buf.reset();
                // Local execution runs cells in this JVM: their System.out is ours, so capture it.
                PrintStream oldOut = System.out, oldErr = System.err;
                String error;
                System.setOut(ps);
                System.setErr(ps);
                try {
                    error = runCell(shell, cell.text());
                } finally {
                    System.setOut(oldOut);
                    System.setErr(oldErr);
                }
                results.add(new CellResult(cell, buf.toString(StandardCharsets.UTF_8), error));
                if (error != null) break;
            }
        }
        return results;
    }

    /** Feeds one cell snippet by snippet; returns an error description or null. */
    private static String runCell(JShell shell, String code) {
        SourceCodeAnalysis sca = shell.sourceCodeAnalysis();
        String rest = code;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(rest);
            String src = info.source();
            if (src == null || info.completeness() == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE) {
                return "incomplete code at: " + firstLine(rest);
            }
            for (SnippetEvent e : shell.eval(src)) {
                if (e.exception() != null) {
                    ByteArrayOutputStream trace = new ByteArrayOutputStream();
                    e.exception().printStackTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
                    return "exception in `" + firstLine(src) + "`: " + trace.toString(StandardCharsets.UTF_8);
                }
                if (e.status() == Snippet.Status.REJECTED) {
                    StringBuilder b = new StringBuilder("rejected `" + firstLine(src) + "`:");
                    shell.diagnostics(e.snippet()).forEach((Diag d) -> b.append(' ').append(d.getMessage(Locale.ROOT)));
                    return b.toString();
                }
                if (e.status() == Snippet.Status.RECOVERABLE_DEFINED || e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                    StringBuilder b = new StringBuilder("unresolved reference in `" + firstLine(src) + "`:");
                    shell.diagnostics(e.snippet()).forEach((Diag d) -> b.append(' ').append(d.getMessage(Locale.ROOT)));
                    return b.toString();
                }
            }
            rest = info.remaining();
        }
        return null;
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl) + " ...";
    }

    private NotebookRunner() {}
}
