package org.vitssl.pretrain.spark;

import org.apache.spark.Partitioner;

import java.io.Serializable;

/**
 * One image routed to the task that trains on it this epoch, keyed by its position in the epoch order, and the
 * partitioner that sends position p to task {@code (p mod N*B) / B}: the task's slice of every global batch.
 */
public final class Slice {
    private Slice() {}

    /** An image row as shuffled to its task. */
    public record Image(String imageId, int label, byte[] bytes) implements Serializable {}

    /** Position p of the epoch order goes to partition (task) {@code (p mod (N B)) / B}. */
    public static final class ByRank extends Partitioner {
        private final int tasks;
        private final int batch;

        public ByRank(int tasks, int batch) {
            this.tasks = tasks;
            this.batch = batch;
        }

        @Override public int numPartitions() { return tasks; }

        @Override
        public int getPartition(Object key) {
            long p = (Long) key;
            return (int) ((p % ((long) tasks * batch)) / batch);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByRank b && b.tasks == tasks && b.batch == batch;
        }

        @Override
        public int hashCode() { return tasks * 31 + batch; }
    }
}
