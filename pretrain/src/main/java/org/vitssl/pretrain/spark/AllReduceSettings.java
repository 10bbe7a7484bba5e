package org.vitssl.pretrain.spark;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of the ring all-reduce between the barrier tasks ({@code vitssl.pretrain.cluster.allreduce}).
 *
 * @param bucketBytes largest piece of a vector reduced at once (bounds the staging buffers)
 * @param timeout longest wait for one transfer from or to a neighbour before the peer is declared failed
 * @param connectTimeout longest wait for the neighbours to connect when the ring is set up
 * @param bindHost interface the task listens on; empty: the executor's host name
 * @param socketBufferBytes TCP send/receive buffer size asked for (0: the system default)
 */
public record AllReduceSettings(int bucketBytes, Duration timeout, Duration connectTimeout, String bindHost,
                                int socketBufferBytes) implements Serializable {
    public static final String SECTION = "vitssl.pretrain.cluster.allreduce";

    public AllReduceSettings {
        if (bucketBytes < 4 * 1024) throw new IllegalArgumentException("bucketBytes must be at least 4 KiB, got " + bucketBytes);
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) throw new IllegalArgumentException("connectTimeout must be positive");
    }

    /** Defaults for tests and benchmarks: 4 MiB buckets, 60 s timeouts, loopback. */
    public static AllReduceSettings loopback(Duration timeout) {
        return new AllReduceSettings(4 << 20, timeout, timeout, "127.0.0.1", 0);
    }

    public static AllReduceSettings fromConfig(Config c) {
        String s = SECTION + ".";
        long bucket = c.getBytes(s + "bucket-size");
        if (bucket < 4096 || bucket > (1L << 30)) {
            throw ConfigChecks.bad(s + "bucket-size", bucket, "must lie in [4 KiB, 1 GiB]");
        }
        Duration timeout = c.getDuration(s + "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw ConfigChecks.bad(s + "timeout", timeout, "must be positive");
        Duration connect = c.getDuration(s + "connect-timeout");
        if (connect.isNegative() || connect.isZero()) throw ConfigChecks.bad(s + "connect-timeout", connect, "must be positive");
        long buf = c.getBytes(s + "socket-buffer");
        if (buf < 0 || buf > (1L << 30)) throw ConfigChecks.bad(s + "socket-buffer", buf, "must lie in [0, 1 GiB]");
        return new AllReduceSettings((int) bucket, timeout, connect, c.getString(s + "bind-host"), (int) buf);
    }
}
