package org.vitssl.augment;

import java.util.List;

/** Public access to the test images for tests in other packages. */
public final class TestImagesAccess {
    private TestImagesAccess() {}

    public static List<ImageRecord> records(int n) { return TestImages.records(n); }

    public static byte[] corrupt() { return TestImages.corrupt(); }
}
