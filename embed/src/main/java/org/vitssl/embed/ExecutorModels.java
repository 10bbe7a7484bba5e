package org.vitssl.embed;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The models loaded in this JVM (one executor), keyed by checkpoint, backbone and device, so that a
 * checkpoint is read once per executor however many tasks use it. Models not in use are evicted
 * beyond {@link #MAX_IDLE} (evaluating hundreds of checkpoints must not keep them all), with their
 * native memory released.
 */
final class ExecutorModels {
    static final int MAX_IDLE = 2;

    private static final Map<String, Entry> MODELS = new HashMap<>();

    static final class Entry {
        final BackboneCheckpoint.Loaded loaded;
        final NDManager manager;
        int users;

        Entry(BackboneCheckpoint.Loaded loaded, NDManager manager) {
            this.loaded = loaded;
            this.manager = manager;
        }
    }

    static synchronized Entry acquire(String checkpoint, String backbone, int fallbackHeads, Device device, Configuration hadoop) {
        String key = checkpoint + "|" + backbone + "|" + device;
        Entry e = MODELS.get(key);
        if (e == null) {
            evictIdle();
            NDManager m = NDManager.newBaseManager(device);
            try {
                e = new Entry(BackboneCheckpoint.load(checkpoint, backbone, fallbackHeads, m, hadoop), m);
            } catch (IOException ex) {
                m.close();
                throw new UncheckedIOException(ex);
            } catch (RuntimeException ex) {
                m.close();
                throw ex;
            }
            MODELS.put(key, e);
        }
        e.users++;
        return e;
    }

    static synchronized void release(Entry e) {
        e.users--;
    }

    private static void evictIdle() {
        int idle = 0;
        for (Entry e : MODELS.values()) if (e.users == 0) idle++;
        Iterator<Map.Entry<String, Entry>> it = MODELS.entrySet().iterator();
        while (idle >= MAX_IDLE && it.hasNext()) {
            Entry e = it.next().getValue();
            if (e.users == 0) {
                e.manager.close();
                it.remove();
                idle--;
            }
        }
    }

    private ExecutorModels() {}
}
