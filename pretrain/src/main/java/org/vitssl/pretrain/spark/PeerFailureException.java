package org.vitssl.pretrain.spark;

/**
 * A collective between the barrier tasks failed because of another task: it died, closed its connection,
 * timed out, or reported a failure of its own. {@link #peerRank()} is the rank held responsible (the task that
 * failed first when a failure report travelled around the ring).
 */
public final class PeerFailureException extends RuntimeException {
    private final int peerRank;

    public PeerFailureException(int peerRank, String message, Throwable cause) {
        super(message, cause);
        this.peerRank = peerRank;
    }

    /** Rank of the task that failed or stopped answering. */
    public int peerRank() { return peerRank; }
}
