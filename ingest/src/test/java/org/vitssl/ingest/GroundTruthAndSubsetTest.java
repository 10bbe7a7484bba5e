package org.vitssl.ingest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroundTruthAndSubsetTest {
    @Test
    void plainAndLocGroundTruthFormats() {
        Map<String, String> plain = GroundTruth.parse("# comment\nILSVRC2012_val_00000001.JPEG n01751748\n"
                + "ILSVRC2012_val_00000002,n09193705\n\nILSVRC2012_val_00000003\tn02105855\n", "val.txt");
        assertEquals("n01751748", GroundTruth.lookup(plain, "ILSVRC2012_val_00000001.JPEG"));
        assertEquals("n09193705", GroundTruth.lookup(plain, "ILSVRC2012_val_00000002.JPEG"));
        assertEquals("n02105855", GroundTruth.lookup(plain, "ILSVRC2012_val_00000003.JPEG"));
        assertNull(GroundTruth.lookup(plain, "ILSVRC2012_val_00000004.JPEG"));
        Map<String, String> loc = GroundTruth.parse("ImageId,PredictionString\r\nILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 44 21 322 295\r\n", "LOC");
        assertEquals("n02119789", GroundTruth.lookup(loc, "ILSVRC2012_val_00008726.JPEG"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GroundTruth.parse("a.JPEG x\na.JPEG y\n", "gt.txt"));
        assertTrue(e.getMessage().contains("gt.txt line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GroundTruth.parse("lonely\n", "gt.txt"));
    }

    static List<String> items(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(String.format("img%03d", i));
        return l;
    }

    @Test
    void subsetRules() {
        assertEquals(items(3), new SubsetRule("first-n", 3, 1, 0).select(items(10), "c"));
        assertEquals(items(2), new SubsetRule("first-n", 3, 1, 0).select(items(2), "c"));
        assertEquals(items(3), new SubsetRule("fraction", 1, 0.25, 0).select(items(10), "c")); // round(2.5) = 3
        assertEquals(items(1), new SubsetRule("fraction", 1, 0.01, 0).select(items(10), "c")); // at least one
        SubsetRule r1 = new SubsetRule("random-n", 4, 1, 1), r2 = new SubsetRule("random-n", 4, 1, 2);
        List<String> a = r1.select(items(100), "n01440764");
        assertEquals(a, r1.select(items(100), "n01440764"));
        assertNotEquals(a, r2.select(items(100), "n01440764"));
        assertNotEquals(a, r1.select(items(100), "n01443537"), "each class draws its own sample");
        assertEquals(4, a.size());
        List<String> sorted = new ArrayList<>(a);
        java.util.Collections.sort(sorted);
        assertEquals(sorted, a, "kept in path order");
        assertEquals(items(10), SubsetRule.none().select(items(10), "c"));
    }
}
