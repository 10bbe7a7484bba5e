package org.vitssl.pretrain.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainMemoryBenchmarkTest {
    @Test
    void warmUpIsTheFirstSampleAtOrAfterOneFifthOfTheSteps() {
        assertEquals(500, TrainMemoryBenchmark.warmUpEnd(2400, 100));
        assertEquals(400, TrainMemoryBenchmark.warmUpEnd(2000, 100));
        assertEquals(225, TrainMemoryBenchmark.warmUpEnd(1050, 75));
        assertEquals(100, TrainMemoryBenchmark.warmUpEnd(300, 100));
    }

    @Test
    void residentMemoryOfTheJavaHeapIsPartOfTheProcessRss() {
        long[] range = TrainMemoryBenchmark.javaHeapRange();
        assertNotNull(range, "GC.heap_info names the heap's address range");
        assertTrue(Long.compareUnsigned(range[0], range[1]) < 0);
        byte[][] touched = new byte[16][];
        for (int i = 0; i < touched.length; i++) {
            touched[i] = new byte[1 << 20];
            java.util.Arrays.fill(touched[i], (byte) i);
        }
        long inHeap = TrainMemoryBenchmark.residentKbIn(range);
        long rss = TrainMemoryBenchmark.rssKb();
        assertTrue(inHeap >= 16 * 1024, "16 MiB just written into the heap are resident: " + inHeap + " KiB");
        assertTrue(inHeap < rss, inHeap + " KiB in the heap, " + rss + " KiB in all");
        assertEquals(-1, TrainMemoryBenchmark.residentKbIn(null));
        assertEquals(16, touched.length);
    }
}
