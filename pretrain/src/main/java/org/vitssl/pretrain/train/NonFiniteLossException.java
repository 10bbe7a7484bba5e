package org.vitssl.pretrain.train;

/** The loss of a step was NaN or infinite: training stops, nothing of that step is applied or checkpointed. */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;

    public NonFiniteLossException(long step, int epoch, float loss, String lastCheckpoint) {
        super("loss is " + loss + " at step " + step + " (epoch " + epoch + "), stopping training; "
                + (lastCheckpoint == null ? "no checkpoint was written yet"
                : "the last good checkpoint is " + lastCheckpoint)
                + ". Try a lower learning rate, keep clip-grad, or a lower teacher temperature.");
        this.step = step;
    }

    public long step() { return step; }
}
