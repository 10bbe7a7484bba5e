package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One self-supervised method as the {@link Trainer} drives it: the student and teacher parameters under their
 * checkpoint names ({@code backbone.*}, {@code head.*}), and the forward pass of one step (teacher without
 * gradient, student, loss, centre update) run inside the trainer's gradient collector.
 */
public interface TrainingTask<B> extends AutoCloseable {
    /** Trainable student parameters, checkpoint names, stable order. */
    LinkedHashMap<String, Parameter> student();

    /**
     * Teacher parameters (not trained; EMA of the student over the names both have). Empty for a method without
     * a teacher (Barlow Twins): then there is no EMA, the checkpoint's teacher file holds no tensors and the
     * exported backbone is the student's.
     */
    LinkedHashMap<String, Parameter> teacher();

    /**
     * Non-trainable state of the student saved with its weights in {@code student.safetensors} under these names
     * (BatchNorm running statistics); the live arrays, restored in place on resume. Empty by default.
     */
    default LinkedHashMap<String, NDArray> buffers() { return new LinkedHashMap<>(); }

    /** The network whose {@code backbone.*} is exported as {@code teacher_backbone.safetensors}: the teacher, or
     * the student when there is none. */
    default LinkedHashMap<String, Parameter> exported() { return teacher().isEmpty() ? student() : teacher(); }

    /** Sums the loss centres' batch statistics over data-parallel workers (no-op for a method without centres). */
    default void setCenterSync(org.vitssl.pretrain.loss.CenterSync sync) {}

    /**
     * Forward of one step; every array it creates must belong to {@code m} (closed after the step).
     * The returned loss is a scalar; {@code terms} are scalars for the log; {@code teacherProbs} (rows of
     * teacher output probabilities, or null) feeds the collapse monitor.
     */
    StepOutput forward(NDManager m, B batch, StepContext ctx);

    /** Named loss centres for the checkpoint (copies). */
    Map<String, float[]> centres();

    void setCentres(Map<String, float[]> centres);

    /** Output dimension K of the head (ln K is the entropy of a uniform, collapsed teacher). */
    int outputDim();

    /** What a step knows: position, schedules, and its random stream. */
    record StepContext(int epoch, long step, double teacherTemp, SplittableRandom rng) {}

    /**
     * What a step returns; {@code embeddings} (rows of a no-teacher method's embeddings, or null) feed the
     * standard-deviation collapse check instead of {@code teacherProbs}.
     */
    record StepOutput(NDArray loss, Map<String, NDArray> terms, NDArray teacherProbs, NDArray embeddings) {
        public StepOutput(NDArray loss, Map<String, NDArray> terms, NDArray teacherProbs) {
            this(loss, terms, teacherProbs, null);
        }
    }

    @Override
    default void close() {}
}
