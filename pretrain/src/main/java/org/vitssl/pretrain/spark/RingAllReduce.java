package org.vitssl.pretrain.spark;

import org.vitssl.pretrain.loss.CenterSync;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ring all-reduce of float vectors over TCP between the N tasks of a barrier stage (or N threads/processes in
 * tests). Rank r sends to rank (r+1) mod N and receives from rank (r-1) mod N, one connection each way.
 *
 * <p>Algorithm (per bucket of at most {@code bucketBytes}): the bucket is cut into N chunks; N-1 reduce-scatter
 * steps (send chunk (r-s) mod N, receive chunk (r-s-1) mod N and add it) leave rank r with the complete sum of
 * chunk (r+1) mod N; N-1 all-gather steps pass the complete chunks around. Each rank sends and receives
 * 2 (N-1)/N of the vector per call, whatever N is. Sending runs on its own thread while the caller receives, so
 * no rank waits on a full TCP buffer. Every rank adds the chunks in the same ring order, so all ranks end
 * with bit-identical results (and sums of integer-valued floats are exact).
 *
 * <p>Failures: every wait is bounded by {@code timeout}. A neighbour that closes its connection (died), stops
 * sending or stops reading fails the call with a {@link PeerFailureException} naming its rank and address; the
 * failing rank then sends an abort frame naming the culprit to its right neighbour, which forwards it, so every
 * rank reports the same culprit instead of "my neighbour closed". After a failure the instance is broken:
 * every later call rethrows.
 *
 * <p>Use: {@link #listen} (binds a port), publish {@link Listener#address()} to the others (the barrier
 * context's allGather), then {@link Listener#connect} with everyone's addresses in rank order.
 */
public final class RingAllReduce implements AutoCloseable {
    private static final int MAGIC = 0x56495452; // "VITR"
    private static final int HELLO = 1, DATA = 2, ABORT = 3;

    private final int rank;
    private final int world;
    private final AllReduceSettings settings;
    private final long session;
    private final Socket toRight;
    private final Socket fromLeft;
    private final OutputStream out;
    private final DataInputStream in;
    private final String rightAddress;
    private final String leftAddress;
    private final ExecutorService sender;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final byte[] sendBuf;
    private final byte[] recvBuf;
    private final float[] recvFloats;
    private int seq;
    private volatile RuntimeException broken;
    private long bytesSent;
    private long calls;

    /** A bound server socket whose address is published to the other tasks before the ring is connected. */
    public static final class Listener implements AutoCloseable {
        private final ServerSocket server;
        private final String address;
        private final AllReduceSettings settings;

        private Listener(ServerSocket server, String address, AllReduceSettings settings) {
            this.server = server;
            this.address = address;
            this.settings = settings;
        }

        /** {@code host:port} the others connect to. */
        public String address() { return address; }

        /**
         * Connects the ring: rank {@code rank} of {@code addresses.size()}; {@code addresses.get(i)} is rank i's
         * {@link #address()}. {@code session} must be equal on all ranks (it keeps a stale task of an earlier
         * attempt out). Closes this listener.
         */
        public RingAllReduce connect(int rank, List<String> addresses, long session) {
            try {
                return new RingAllReduce(rank, addresses, session, server, settings);
            } finally {
                close();
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }

    /** Binds a listening socket on {@code settings.bindHost()} (empty: this host's name), any free port. */
    public static Listener listen(AllReduceSettings settings) {
        try {
            String host = settings.bindHost().isEmpty() ? InetAddress.getLocalHost().getHostName() : settings.bindHost();
            ServerSocket server = new ServerSocket();
            if (settings.socketBufferBytes() > 0) server.setReceiveBufferSize(settings.socketBufferBytes());
            server.bind(new InetSocketAddress(host, 0), 4);
            return new Listener(server, host + ":" + server.getLocalPort(), settings);
        } catch (IOException e) {
            throw new IllegalStateException("all-reduce: cannot listen on '" + settings.bindHost() + "' ("
                    + AllReduceSettings.SECTION + ".bind-host): " + e.getMessage(), e);
        }
    }

    private RingAllReduce(int rank, List<String> addresses, long session, ServerSocket server, AllReduceSettings s) {
        this.world = addresses.size();
        if (rank < 0 || rank >= world) throw new IllegalArgumentException("rank " + rank + " outside [0, " + world + ")");
        this.rank = rank;
        this.settings = s;
        this.session = session;
        int chunkFloats = s.bucketBytes() / 4 / Math.max(1, world) + 1;
        this.sendBuf = new byte[chunkFloats * 4];
        this.recvBuf = new byte[chunkFloats * 4];
        this.recvFloats = new float[chunkFloats];
        if (world == 1) {
            toRight = fromLeft = null;
            out = null;
            in = null;
            rightAddress = leftAddress = addresses.get(0);
            sender = null;
            return;
        }
        int right = (rank + 1) % world, left = (rank - 1 + world) % world;
        rightAddress = addresses.get(right);
        leftAddress = addresses.get(left);
        long deadline = System.nanoTime() + s.connectTimeout().toNanos();
        Socket r = null, l = null;
        ExecutorService acceptor = Executors.newSingleThreadExecutor(daemon("allreduce-accept-" + rank));
        try {
            Future<Socket> accepted = acceptor.submit(() -> acceptLeft(server, left, deadline));
            r = connectRight(right, deadline);
            try {
                l = accepted.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new PeerFailureException(left, who() + ": rank " + left + " (" + leftAddress + ") did not connect within "
                        + s.connectTimeout().toSeconds() + " s (" + AllReduceSettings.SECTION + ".connect-timeout)", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof PeerFailureException p) throw p;
                throw new PeerFailureException(left, who() + ": accepting rank " + left + " (" + leftAddress + ") failed: "
                        + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(who() + ": interrupted while connecting", e);
            }
            toRight = r;
            fromLeft = l;
            out = r.getOutputStream();
            in = new DataInputStream(new BufferedInputStream(l.getInputStream(), 1 << 16));
        } catch (IOException | RuntimeException e) {
            closeQuietly(r);
            closeQuietly(l);
            if (e instanceof RuntimeException re) throw re;
            throw new PeerFailureException(right, who() + ": setting up the ring failed: " + e.getMessage(), e);
        } finally {
            acceptor.shutdownNow();
        }
        sender = Executors.newSingleThreadExecutor(daemon("allreduce-send-" + rank));
    }

    private String who() { return "all-reduce (rank " + rank + " of " + world + ")"; }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        };
    }

    private Socket connectRight(int right, long deadline) throws IOException {
        String[] hp = rightAddress.split(":");
        InetSocketAddress addr = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        IOException last = null;
        while (System.nanoTime() < deadline) {
            Socket sock = new Socket();
            try {
                tune(sock);
                int wait = (int) Math.max(1, Math.min(5000, (deadline - System.nanoTime()) / 1_000_000));
                sock.connect(addr, wait);
                ByteBuffer hello = ByteBuffer.allocate(24);
                hello.putInt(MAGIC).putInt(HELLO).putInt(rank).putInt(world).putLong(session);
                sock.getOutputStream().write(hello.array());
                sock.getOutputStream().flush();
                return sock;
            } catch (IOException e) {
                last = e;
                closeQuietly(sock);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", ie);
                }
            }
        }
        throw new PeerFailureException(right, who() + ": cannot connect to rank " + right + " at " + rightAddress
                + " within " + settings.connectTimeout().toSeconds() + " s (" + AllReduceSettings.SECTION
                + ".connect-timeout): " + (last == null ? "timed out" : last.getMessage()), last);
    }

    private Socket acceptLeft(ServerSocket server, int left, long deadline) throws IOException {
        while (true) {
            int wait = (int) ((deadline - System.nanoTime()) / 1_000_000);
            if (wait <= 0) throw new SocketTimeoutException("accept timed out");
            server.setSoTimeout(wait);
            Socket sock = server.accept();
            try {
                tune(sock);
                sock.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
                DataInputStream d = new DataInputStream(sock.getInputStream());
                int magic = d.readInt(), kind = d.readInt(), from = d.readInt(), n = d.readInt();
                long sess = d.readLong();
                if (magic != MAGIC || kind != HELLO) { closeQuietly(sock); continue; }
                if (n != world || sess != session || from != left) {
                    // a stray connection (an older attempt, a wrong peer): refuse it and keep waiting
                    closeQuietly(sock);
                    continue;
                }
                sock.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
                return sock;
            } catch (IOException e) {
                closeQuietly(sock);
            }
        }
    }

    private void tune(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        if (settings.socketBufferBytes() > 0) {
            s.setSendBufferSize(settings.socketBufferBytes());
            s.setReceiveBufferSize(settings.socketBufferBytes());
        }
    }

    public int rank() { return rank; }

    public int world() { return world; }

    /** Bytes this rank has sent (payload), and calls made: for the progress lines and benchmarks. */
    public long bytesSent() { return bytesSent; }

    public long calls() { return calls; }

    /** Element-wise sum over all ranks, in place, of {@code data[0..length)}. All ranks must pass the same length. */
    public void sum(float[] data) {
        sum(data, 0, data.length);
    }

    /** Element-wise sum over all ranks, in place, of {@code data[off..off+len)}. */
    public void sum(float[] data, int off, int len) {
        if (broken != null) throw new IllegalStateException(who() + " is broken by an earlier failure: " + broken.getMessage(), broken);
        calls++;
        if (world == 1 || len == 0) return;
        int bucket = settings.bucketBytes() / 4;
        try {
            for (int b = off; b < off + len; b += bucket) {
                reduceBucket(data, b, Math.min(bucket, off + len - b));
            }
        } catch (RuntimeException e) {
            fail(e);
            throw broken;
        }
    }

    /** Element-wise mean over all ranks, in place. */
    public void mean(float[] data, int off, int len) {
        sum(data, off, len);
        if (world == 1) return;
        float inv = 1f / world;
        for (int i = off; i < off + len; i++) data[i] *= inv;
    }

    /** The loss centres' hook: a sum over all ranks (a copy; the argument is left alone). */
    public CenterSync centerSync() {
        return local -> {
            float[] c = local.clone();
            sum(c);
            return c;
        };
    }

    private int chunkStart(int off, int len, int c) {
        return off + (int) ((long) len * c / world);
    }

    private void reduceBucket(float[] data, int off, int len) {
        int left = (rank - 1 + world) % world;
        for (int s = 0; s < world - 1; s++) {
            int send = Math.floorMod(rank - s, world), recv = Math.floorMod(rank - s - 1, world);
            exchange(data, off, len, send, recv, true, left);
        }
        for (int s = 0; s < world - 1; s++) {
            int send = Math.floorMod(rank - s + 1, world), recv = Math.floorMod(rank - s, world);
            exchange(data, off, len, send, recv, false, left);
        }
    }

    private void exchange(float[] data, int off, int len, int sendChunk, int recvChunk, boolean add, int left) {
        int ss = chunkStart(off, len, sendChunk), se = chunkStart(off, len, sendChunk + 1);
        int rs = chunkStart(off, len, recvChunk), re = chunkStart(off, len, recvChunk + 1);
        int mySeq = seq++;
        ByteBuffer.wrap(sendBuf).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(data, ss, se - ss);
        Future<?> f = sender.submit(() -> {
            sendFrame(DATA, mySeq, sendBuf, (se - ss) * 4);
            return null;
        });
        receive(mySeq, (re - rs), left);
        if (add) {
            for (int i = 0, n = re - rs; i < n; i++) data[rs + i] += recvFloats[i];
        } else {
            System.arraycopy(recvFloats, 0, data, rs, re - rs);
        }
        int right = (rank + 1) % world;
        try {
            f.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new PeerFailureException(right, who() + ": rank " + right + " (" + rightAddress + ") did not take "
                    + (se - ss) * 4 + " bytes within " + settings.timeout().toSeconds() + " s ("
                    + AllReduceSettings.SECTION + ".timeout): it is stalled or dead", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new PeerFailureException(right, who() + ": sending to rank " + right + " (" + rightAddress
                    + ") failed: " + c.getMessage() + " (the task died or closed its connection)", c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(who() + ": interrupted", e);
        }
    }

    private void sendFrame(int kind, int a, byte[] payload, int n) throws IOException {
        sendLock.lock();
        try {
            ByteBuffer h = ByteBuffer.allocate(12);
            h.putInt(kind).putInt(a).putInt(n);
            out.write(h.array());
            if (n > 0) out.write(payload, 0, n);
            out.flush();
            bytesSent += n;
        } finally {
            sendLock.unlock();
        }
    }

    private void receive(int expectSeq, int floats, int left) {
        try {
            int kind = in.readInt(), a = in.readInt(), n = in.readInt();
            if (kind == ABORT) {
                byte[] msg = new byte[n];
                in.readFully(msg);
                String reason = new String(msg, StandardCharsets.UTF_8);
                throw new PeerFailureException(a, who() + ": rank " + a + " failed: " + reason, null);
            }
            if (kind != DATA || a != expectSeq || n != floats * 4) {
                throw new PeerFailureException(left, who() + ": protocol error from rank " + left + " (" + leftAddress
                        + "): frame kind " + kind + " seq " + a + " of " + n + " bytes, expected seq " + expectSeq + " of "
                        + floats * 4 + " bytes (do all ranks reduce vectors of the same length?)", null);
            }
            in.readFully(recvBuf, 0, n);
            ByteBuffer.wrap(recvBuf, 0, n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(recvFloats, 0, floats);
        } catch (SocketTimeoutException e) {
            throw new PeerFailureException(left, who() + ": no data from rank " + left + " (" + leftAddress + ") for "
                    + settings.timeout().toSeconds() + " s (" + AllReduceSettings.SECTION + ".timeout): it is stalled or dead", e);
        } catch (EOFException e) {
            throw new PeerFailureException(left, who() + ": rank " + left + " (" + leftAddress
                    + ") closed its connection mid-transfer: the task died or failed", e);
        } catch (IOException e) {
            throw new PeerFailureException(left, who() + ": receiving from rank " + left + " (" + leftAddress
                    + ") failed: " + e.getMessage() + " (the task died or failed)", e);
        }
    }

    /** Marks the ring broken, tells the right neighbour who failed (best effort), and closes the connections. */
    private void fail(RuntimeException e) {
        if (broken != null) return;
        broken = e;
        int culprit = e instanceof PeerFailureException p ? p.peerRank() : rank;
        int right = (rank + 1) % world;
        if (culprit != right && toRight != null) {
            try {
                if (sendLock.tryLock(2, TimeUnit.SECONDS)) {
                    try {
                        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                        if (culprit != rank) reason = reason.replaceFirst("^all-reduce \\(rank \\d+ of \\d+\\): ", "");
                        byte[] msg = reason.getBytes(StandardCharsets.UTF_8);
                        toRight.setSoTimeout(2000);
                        sendFrame(ABORT, culprit, msg, msg.length);
                    } finally {
                        sendLock.unlock();
                    }
                }
            } catch (IOException | InterruptedException ignored) {
                // best effort: the neighbour may be gone too
            }
        }
        close();
    }

    /** Reports a local failure (e.g. a non-finite loss) to the other ranks, so they stop with this rank named. */
    public void abort(String reason) {
        fail(new PeerFailureException(rank, reason, null));
    }

    @Override
    public void close() {
        if (sender != null) sender.shutdownNow();
        closeQuietly(toRight);
        closeQuietly(fromLeft);
    }

    private static void closeQuietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

}
