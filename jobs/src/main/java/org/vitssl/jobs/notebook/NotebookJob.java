package org.vitssl.jobs.notebook;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code vitssl notebook FILE.jsh ...}: runs Java notebooks headless and writes each as HTML. Exits
 * non-zero when any cell fails, so CI catches a broken notebook.
 */
public final class NotebookJob implements VitsslJob {
    @Override public String name() { return "notebook"; }

    @Override public String summary() { return "run Java notebooks (notebooks-java/*.jsh) headless and render them to HTML"; }

    @Override public String help() {
        return "Runs each given .jsh notebook cell by cell in JShell with vitssl on the class path and writes\n"
                + "<output-dir>/<name>.html with Markdown, code, output and images. Fails on the first failing cell.\n"
                + "Keys: vitssl.notebook.output-dir (default target/notebooks); notebooks read their own inputs\n"
                + "from system properties set with -D on the launcher (VITSSL_JAVA_OPTS) or their defaults.";
    }

    @Override public String configSection() { return "vitssl.notebook"; }

    @Override public void validate(Config config) {
        ConfigChecks.nonEmptyString(config, "vitssl.notebook.output-dir");
    }

    @Override public int run(JobContext ctx) throws Exception {
        Path outDir = Path.of(ctx.config().getString("vitssl.notebook.output-dir"));
        Files.createDirectories(outDir);
        String cp = classPath();
        int failed = 0;
        for (String f : ctx.positional()) {
            Notebook nb = Notebook.parse(Path.of(f));
            List<NotebookRunner.CellResult> results = NotebookRunner.run(nb, cp);
            String name = nb.source().getFileName().toString().replaceFirst("\\.jsh$", "");
            Path html = outDir.resolve(name + ".html");
            Files.writeString(html, NotebookHtml.render(nb, results), StandardCharsets.UTF_8);
            NotebookRunner.CellResult last = results.isEmpty() ? null : results.get(results.size() - 1);
            if (last != null && last.error() != null) {
                failed++;
                ctx.out().printf("FAILED %s, cell %d (line %d): %s%n", f, last.cell().index(), last.cell().firstLine(), last.error());
            } else {
                ctx.out().printf("ok     %s -> %s (%d cells)%n", f, html, results.size());
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** Surefire hides the real class path behind a manifest jar; prefer its property when present. */
    static String classPath() {
        String s = System.getProperty("surefire.test.class.path");
        return s != null && !s.isBlank() ? s : System.getProperty("java.class.path");
    }
}
