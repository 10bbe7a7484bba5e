package org.vitssl.evaluate.knn;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.vitssl.evaluate.SparkTestBase;
import org.vitssl.evaluate.data.EmbeddingsTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Low-shot subset selection: nu per class in image_id order from offset subset * nu, wrapping. */
class LowShotTest extends SparkTestBase {

    static Set<String> select(List<Row> rows, int nu, int subset) {
        Set<String> ids = new TreeSet<>();
        for (Row r : LowShot.select(EmbeddingsTable.canonical(table(rows, 3), "image_id", "label", "features"), nu, subset)
                .collectAsList()) {
            ids.add(r.getString(0));
        }
        return ids;
    }

    @Test
    void subsetsFollowIdOrderWithOffsets() {
        List<Row> rows = new ArrayList<>();
        // class 0: 12 images a00..a11; class 1: 3 images b00..b02; class 2: 25 images c00..c24 (inserted backwards)
        for (int i = 0; i < 12; i++) rows.add(row(String.format("a%02d", i), 0, i, 1));
        for (int i = 0; i < 3; i++) rows.add(row(String.format("b%02d", i), 1, i, 2));
        for (int i = 24; i >= 0; i--) rows.add(row(String.format("c%02d", i), 2, i, 3));

        // nu = 5, subset 0: positions 0..4 of every class; class 1 has only 3.
        assertEquals(new TreeSet<>(List.of("a00", "a01", "a02", "a03", "a04", "b00", "b01", "b02",
                "c00", "c01", "c02", "c03", "c04")), select(rows, 5, 0));
        // subset 2: offset 10: class 0 wraps (10, 11, 0, 1, 2); class 2: 10..14.
        assertEquals(new TreeSet<>(List.of("a10", "a11", "a00", "a01", "a02", "b00", "b01", "b02",
                "c10", "c11", "c12", "c13", "c14")), select(rows, 5, 2));
        // nu = 1, subset 4: offset 4: a04, b01 (4 mod 3), c04.
        assertEquals(new TreeSet<>(List.of("a04", "b01", "c04")), select(rows, 1, 4));
    }

    @Test
    void kFollowsAttMask() {
        assertEquals(1, LowShot.kFor(1, 20, 1));
        assertEquals(20, LowShot.kFor(5, 20, 1));
        assertEquals(20, LowShot.kFor(20, 20, 1));
        assertEquals(0, LowShot.offset(5, 0));
        assertEquals(15, LowShot.offset(5, 3));
    }
}
