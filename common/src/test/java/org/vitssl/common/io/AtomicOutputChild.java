package org.vitssl.common.io;

import org.apache.hadoop.conf.Configuration;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Child JVM of {@link AtomicOutputTest}: begins an overwrite of {@code args[0]}, writes part files under
 * the temporary directory, announces it on stdout and keeps writing until killed.
 */
public final class AtomicOutputChild {
    public static void main(String[] args) throws Exception {
        AtomicOutput out = AtomicOutput.begin(args[0], true, new Configuration());
        String tmp = new org.apache.hadoop.fs.Path(out.tempPath()).toUri().getPath();
        for (int i = 0; ; i++) {
            Files.write(Paths.get(tmp, "part-" + i), ("new " + i).getBytes(StandardCharsets.UTF_8));
            if (i == 3) {
                System.out.println("WRITING " + tmp);
                System.out.flush();
            }
            Thread.sleep(50);
            if (i > 2000) break; // never reached in the test: it is killed first
        }
        out.commit();
    }
}
