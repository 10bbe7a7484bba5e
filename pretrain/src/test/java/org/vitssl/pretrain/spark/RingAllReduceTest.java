package org.vitssl.pretrain.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** N ranks as N threads on loopback, each with its own sockets, exactly as N barrier tasks would run. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RingAllReduceTest {

    /** Sets up a ring of {@code n} and runs {@code body(rank, ring)} on n threads; returns each rank's result or error. */
    static List<Object> ring(int n, AllReduceSettings s, BiFunction<Integer, RingAllReduce, Object> body) throws Exception {
        List<RingAllReduce.Listener> ls = new ArrayList<>();
        List<String> addrs = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            RingAllReduce.Listener l = RingAllReduce.listen(s);
            ls.add(l);
            addrs.add(l.address());
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Object>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                fs.add(pool.submit(() -> {
                    try (RingAllReduce ring = ls.get(rank).connect(rank, addrs, 42L)) {
                        return body.apply(rank, ring);
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : fs) out.add(f.get(100, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static float[] ints(int len, int rank, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 31 + rank);
        float[] v = new float[len];
        for (int i = 0; i < len; i++) v[i] = r.nextInt(-1000, 1000);
        return v;
    }

    @Test
    void exactSumsOfIntegerValuedFloatsForSeveralWorldSizesLengthsAndBuckets() throws Exception {
        AllReduceSettings small = new AllReduceSettings(4096, Duration.ofSeconds(30), Duration.ofSeconds(30), "127.0.0.1", 0);
        for (int n : new int[] {1, 2, 3, 4}) {
            // lengths: shorter than the ring, not divisible by n, several 4 KiB buckets, one big bucket
            for (int len : new int[] {0, 1, 3, 1001, 5000, 200_003}) {
                List<Object> got = ring(n, small, (rank, ring) -> {
                    float[] v = ints(len, rank, len);
                    ring.sum(v);
                    return v;
                });
                float[] want = new float[len];
                for (int r = 0; r < n; r++) {
                    float[] v = ints(len, r, len);
                    for (int i = 0; i < len; i++) want[i] += v[i];
                }
                for (int r = 0; r < n; r++) {
                    if (got.get(r) instanceof Throwable t) fail("rank " + r + " of " + n + " failed", t);
                    assertArrayEquals(want, (float[]) got.get(r), 0f, "n=" + n + " len=" + len + " rank " + r);
                }
            }
        }
    }

    @Test
    void meanAndRepeatedCallsAndBitIdenticalResultsOnAllRanks() throws Exception {
        int n = 3, len = 10_000;
        List<Object> got = ring(n, AllReduceSettings.loopback(Duration.ofSeconds(30)), (rank, ring) -> {
            float[][] res = new float[5][];
            for (int step = 0; step < 5; step++) {
                float[] v = new float[len];
                SplittableRandom r = new SplittableRandom(step * 10L + rank);
                for (int i = 0; i < len; i++) v[i] = (float) r.nextGaussian();
                ring.mean(v, 0, len);
                res[step] = v;
            }
            assertEquals(5, ring.calls());
            return res;
        });
        for (int step = 0; step < 5; step++) {
            double[] want = new double[len];
            for (int rank = 0; rank < n; rank++) {
                SplittableRandom r = new SplittableRandom(step * 10L + rank);
                for (int i = 0; i < len; i++) want[i] += (float) r.nextGaussian();
            }
            float[] r0 = ((float[][]) got.get(0))[step];
            for (int i = 0; i < len; i++) assertEquals(want[i] / n, r0[i], 1e-5, "mean element " + i);
            for (int rank = 1; rank < n; rank++) {
                assertArrayEquals(r0, ((float[][]) got.get(rank))[step], 0f, "ranks must agree bit for bit");
            }
        }
    }

    @Test
    void centerSyncSumsAndLeavesItsArgumentAlone() throws Exception {
        List<Object> got = ring(2, AllReduceSettings.loopback(Duration.ofSeconds(30)), (rank, ring) -> {
            float[] local = {rank + 1f, 10f * (rank + 1), 1f};
            float[] sum = ring.centerSync().allReduceSum(local);
            assertArrayEquals(new float[] {rank + 1f, 10f * (rank + 1), 1f}, local, 0f);
            return sum;
        });
        assertArrayEquals(new float[] {3f, 30f, 2f}, (float[]) got.get(0), 0f);
        assertArrayEquals(new float[] {3f, 30f, 2f}, (float[]) got.get(1), 0f);
    }

    @Test
    void aDeadPeerFailsEveryOtherRankWithItsRankNamed() throws Exception {
        int n = 4, dead = 2;
        CountDownLatch firstDone = new CountDownLatch(n);
        List<Object> got = ring(n, AllReduceSettings.loopback(Duration.ofSeconds(20)), (rank, ring) -> {
            float[] v = ints(100_000, rank, 1);
            ring.sum(v); // one good round
            firstDone.countDown();
            try {
                firstDone.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (rank == dead) {
                ring.close(); // dies: its sockets close without a word, as when the process is killed
                return "dead";
            }
            ring.sum(v);
            return v;
        });
        for (int r = 0; r < n; r++) {
            if (r == dead) continue;
            Object o = got.get(r);
            PeerFailureException e = assertInstanceOf(PeerFailureException.class, o, "rank " + r + " must fail");
            assertEquals(dead, e.peerRank(), "rank " + r + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("rank " + dead), e.getMessage());
        }
    }

    @Test
    void aStalledPeerTimesOutWithItsRankNamedAndTheRingStaysBroken() throws Exception {
        int n = 3, stalled = 0;
        AllReduceSettings s = new AllReduceSettings(1 << 20, Duration.ofSeconds(2), Duration.ofSeconds(20), "127.0.0.1", 0);
        CountDownLatch others = new CountDownLatch(n - 1);
        List<Object> got = ring(n, s, (rank, ring) -> {
            float[] v = ints(1000, rank, 2);
            if (rank == stalled) {
                try {
                    others.await(30, TimeUnit.SECONDS); // never calls sum until the others gave up
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return "stalled";
            }
            try {
                ring.sum(v);
                return v;
            } catch (RuntimeException e) {
                try {
                    ring.sum(v);
                    return new AssertionError("a broken ring must refuse further calls");
                } catch (IllegalStateException again) {
                    return e;
                } finally {
                    others.countDown();
                }
            }
        });
        PeerFailureException right = assertInstanceOf(PeerFailureException.class, got.get(1));
        assertEquals(stalled, right.peerRank(), right.getMessage());
        assertTrue(right.getMessage().contains("timeout"), right.getMessage());
        assertInstanceOf(PeerFailureException.class, got.get(2));
    }

    @Test
    void differentLengthsOnTwoRanksAreAProtocolErrorNotASilentMixUp() throws Exception {
        List<Object> got = ring(2, AllReduceSettings.loopback(Duration.ofSeconds(10)), (rank, ring) -> {
            ring.sum(new float[rank == 0 ? 100 : 102]);
            return "ok";
        });
        PeerFailureException e = assertInstanceOf(PeerFailureException.class, got.get(0));
        assertTrue(e.getMessage().contains("same length") || e.getMessage().contains("rank 1"), e.getMessage());
    }
}
