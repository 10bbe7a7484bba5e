package org.vitssl.augment;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Logs a corrupt image once per image_id and JVM, however many epochs or threads meet it. */
public final class CorruptImages {
    private static final System.Logger LOG = System.getLogger(CorruptImages.class.getName());
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private CorruptImages() {}

    /** Returns true when this call logged (the first time for this id). */
    public static boolean logOnce(String imageId, Exception e) {
        if (!LOGGED.add(imageId)) return false;
        LOG.log(System.Logger.Level.WARNING, "skipping corrupt image " + imageId + ": " + e.getMessage());
        return true;
    }
}
