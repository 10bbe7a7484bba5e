package org.vitssl.common.image;

import org.opencv.core.Core;

/** Loads OpenCV's native library (bundled in org.openpnp:opencv for Linux, macOS, Windows) once per JVM. */
public final class OpenCv {
    private static volatile boolean loaded;

    private OpenCv() {}

    public static void load() {
        if (loaded) return;
        synchronized (OpenCv.class) {
            if (loaded) return;
            try {
                // Already on java.library.path (a system OpenCV), else the copy bundled in the jar.
                System.loadLibrary(Core.NATIVE_LIBRARY_NAME);
            } catch (UnsatisfiedLinkError e) {
                nu.pattern.OpenCV.loadLocally();
            }
            loaded = true;
        }
    }

    /**
     * OpenCV's own worker threads per call. Spark runs one task per core, so jobs set 1 to avoid
     * oversubscribing the cores (0 would let OpenCV choose).
     */
    public static void setThreads(int n) {
        load();
        if (Core.getNumThreads() != n) Core.setNumThreads(n);
    }
}
