package org.vitssl.augment;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic randomness: every random draw of a view comes from a {@link SplittableRandom} whose seed is a
 * pure function of (seed, epoch, image_id, view index). Nothing depends on the thread, executor, partition or
 * the order in which images are processed.
 *
 * <pre>
 *   idHash    = FNV-1a 64 of the UTF-8 bytes of image_id
 *   imageSeed = mix(mix(mix(seed) + epoch) ^ idHash)
 *   viewSeed  = mix(imageSeed + (view + 1) * 0x9E3779B97F4A7C15)
 * </pre>
 * with {@code mix} the SplitMix64 finaliser. Each view has its own stream, so changing the number of local
 * crops leaves the global crops of an image unchanged. The epoch order uses {@code mix(mix(seed) ^ ~epoch)}.
 */
public final class ViewSeeds {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private ViewSeeds() {}

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static long idHash(String imageId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : imageId.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    public static long imageSeed(long seed, int epoch, String imageId) {
        return mix(mix(mix(seed) + epoch) ^ idHash(imageId));
    }

    public static SplittableRandom forView(long imageSeed, int view) {
        return new SplittableRandom(mix(imageSeed + (view + 1L) * GOLDEN));
    }

    public static SplittableRandom forEpochOrder(long seed, int epoch) {
        return new SplittableRandom(mix(mix(seed) ^ ~(long) epoch));
    }
}
