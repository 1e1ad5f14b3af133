package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.distill.lm.model.Gpt;
import java.util.ArrayList;
import java.util.List;

/**
 * One optimisation step at a time for a {@link Gpt}, top to bottom like DJL's {@code EasyTrain.trainBatch}:
 * forward, loss, backward, then clip, update and zero the gradients in one optimizer call.
 *
 * <p>Native memory: everything the step computes is owned by the batch's manager and freed when the caller closes
 * the batch; gradient handles and optimizer temporaries are freed inside the step. The parameters and the
 * optimizer moments are the only arrays that outlive a step.
 *
 * <p>Not thread-safe. DJL's PyTorch engine allows one active {@code GradientCollector} per process, so steps of
 * several models in one process must run one after another.
 */
public final class TrainStep implements AutoCloseable {

    /**
     * @param schedule learning rate by step
     * @param adamW optimizer settings
     * @param clipNorm global gradient-norm limit ({@code Float.POSITIVE_INFINITY} to only measure the norm)
     * @param alpha weight of the distillation term in {@link DistillationLoss#mixed}; unused for batches without a
     *     teacher signal
     * @param divergence what the distillation term is; a batch whose codec cannot give it is refused
     */
    public record Options(
            LearningRateSchedule schedule,
            AdamW.Hyperparameters adamW,
            float clipNorm,
            float alpha,
            Divergence divergence) {
        public Options {
            if (schedule == null || adamW == null || divergence == null) {
                throw new IllegalArgumentException("schedule, adamW and divergence are required");
            }
            if (!(clipNorm > 0f)) {
                throw new IllegalArgumentException("clipNorm must be positive, got " + clipNorm);
            }
            if (!(alpha >= 0f && alpha <= 1f)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
        }

        /** Forward KL, the distillation term from before divergences could be chosen. */
        public Options(LearningRateSchedule schedule, AdamW.Hyperparameters adamW, float clipNorm, float alpha) {
            this(schedule, adamW, clipNorm, alpha, Divergence.FORWARD_KL);
        }

        /** The same options with another distillation divergence. */
        public Options withDivergence(Divergence value) {
            return new Options(schedule, adamW, clipNorm, alpha, value);
        }

        /** Warmup then constant {@code peakLr}, AdamW defaults, clip at 1.0, alpha 0.5, forward KL. */
        public static Options defaults(float peakLr, int warmupSteps) {
            return new Options(
                    new LearningRateSchedule(peakLr, warmupSteps, LearningRateSchedule.Decay.CONSTANT),
                    AdamW.Hyperparameters.defaults(),
                    1f,
                    0.5f);
        }
    }

    /**
     * What one step did.
     *
     * @param step steps taken so far, this one included
     * @param learningRate the rate this step used
     * @param loss the differentiated loss
     * @param ce hard-label cross-entropy, nats per token
     * @param kd distillation term at the teacher's temperature without T^2; 0 for a batch without teacher signal
     * @param gradNorm global gradient norm before clipping
     * @param skipped true when the gradient was not finite and no update was applied
     * @param tokens positions in the batch
     * @param lossScale the fp16 loss scale this step used (1 without loss scaling)
     */
    public record Result(
            long step,
            float learningRate,
            float loss,
            float ce,
            float kd,
            float gradNorm,
            boolean skipped,
            long tokens,
            float lossScale) {}

    private final Gpt model;
    private final Options options;
    private final ParameterStore parameterStore;
    private final List<NDArray> parameters = new ArrayList<>();
    private final AdamW optimizer;
    private final LossScaler lossScaler;
    private long step;

    /** {@code manager} owns the model's parameters; the optimizer's state goes into a sub-manager of it. */
    public TrainStep(Gpt model, NDManager manager, Options options) {
        this.model = model;
        this.options = options;
        this.parameterStore = new ParameterStore(manager, false);
        for (Pair<String, Parameter> p : model.getParameters()) {
            if (p.getValue().requiresGradient()) {
                parameters.add(p.getValue().getArray());
            }
        }
        this.optimizer = new AdamW(model.getParameters(), options.adamW(), manager);
        this.lossScaler = LossScaler.forPrecision(model.precision());
    }

    public Result step(Batch batch) {
        float lr = options.schedule().at(step);
        DistillationLoss.Parts parts;
        try (GradientCollector collector = batch.manager().getEngine().newGradientCollector()) {
            NDArray logits = model.logits(parameterStore, batch.tokens(), true); // (B, T, V)
            parts = batch.teacher()
                    .map(t -> DistillationLoss.mixed(
                            logits, batch.targets(), batch.mask(), t, options.alpha(), options.divergence()))
                    .orElseGet(() -> DistillationLoss.hardLabelsOnly(logits, batch.targets(), batch.mask()));
            float scale = lossScaler.scale();
            collector.backward(scale == 1f ? parts.total() : parts.total().mul(scale));
            if (scale != 1f) {
                GradientClipping.scale(parameters, 1f / scale); // back to true gradients before clipping
            }
        }
        float lossScale = lossScaler.scale();
        float norm = optimizer.clipAndStep(lr, options.clipNorm()); // skipped when the norm is not finite
        boolean finite = Float.isFinite(norm);
        lossScaler.update(finite);
        step++;
        return new Result(
                step,
                lr,
                parts.total().getFloat(),
                parts.ce().getFloat(),
                parts.kd().getFloat(),
                norm,
                !finite,
                batch.tokenCount(),
                lossScale);
    }

    /** Steps taken so far. */
    public long steps() {
        return step;
    }

    /**
     * Continues a run restored from a checkpoint (after {@code Checkpoint.restore} has loaded the weights and the
     * optimizer): the step count drives the learning-rate schedule, so warmup does not run again.
     */
    public void resume(TrainingState state) {
        if (state.step() < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + state.step());
        }
        step = state.step();
        lossScaler.restore(state.lossScale(), state.cleanSteps());
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public LossScaler lossScaler() {
        return lossScaler;
    }

    /** Frees the optimizer state; the model's parameters stay with their manager. */
    @Override
    public void close() {
        optimizer.close();
    }
}
