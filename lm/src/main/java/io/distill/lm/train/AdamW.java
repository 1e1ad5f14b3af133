package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.distill.lm.Autograd;
import io.distill.lm.InPlace;
import io.distill.lm.model.TorchScriptModule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter 2019), as {@code torch.optim.AdamW}, over DJL arrays.
 *
 * <p>Written here rather than DJL's {@code Optimizer.adamW()} because that one decays every parameter alike
 * (biases and LayerNorm included), adds epsilon before bias correction, clips element-wise from above only, and
 * keeps its moments in private maps a checkpoint cannot reach. Here matrices and embeddings (rank >= 2) are
 * decayed and vectors are not, as in nanoGPT. {@link #moments()} and {@link #restore} let a checkpoint save and
 * restore the state exactly.
 *
 * <p>The update runs as one TorchScript kernel ({@code kernels/optimizer.py}) over every parameter, with libtorch's
 * fused AdamW and multi-tensor ops: per parameter, a dozen separate DJL calls cost twice PyTorch's optimizer time.
 * The gradients' global-norm clipping happens in the same call, before the update. Per update, with t the number of
 * updates so far including this one:
 *
 * <pre>
 * w -= lr * wd * w                       (decayed parameters only)
 * m  = b1 * m + (1 - b1) * g
 * v  = b2 * v + (1 - b2) * g^2
 * w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 */
public final class AdamW implements AutoCloseable {

    /**
     * @param beta1 decay of the first moment
     * @param beta2 decay of the second moment (0.95 as in GPT-3 and nanoGPT: steadier on noisy LM gradients)
     * @param epsilon added to the root of the second moment
     * @param weightDecay decoupled decay rate, multiplied by the learning rate
     */
    public record Hyperparameters(float beta1, float beta2, float epsilon, float weightDecay) {
        public Hyperparameters {
            if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
                throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(epsilon > 0f) || !(weightDecay >= 0f)) {
                throw new IllegalArgumentException(
                        "epsilon must be > 0 and weightDecay >= 0, got " + epsilon + ", " + weightDecay);
            }
        }

        public static Hyperparameters defaults() {
            return new Hyperparameters(0.9f, 0.95f, 1e-8f, 0.1f);
        }
    }

    private record Slot(String name, NDArray weight, NDArray m, NDArray v, boolean decay) {}

    private final Hyperparameters hp;
    private final NDManager stateManager;
    private final List<Slot> slots = new ArrayList<>();
    private final TorchScriptModule update;
    private final NDList updateInputs = new NDList(); // decayed weights, their m, v; then the others, their m, v
    private long updates;

    /** Moments are allocated, zero, in a sub-manager of {@code manager} and freed by {@link #close()}. */
    public AdamW(Iterable<Pair<String, Parameter>> parameters, Hyperparameters hp, NDManager manager) {
        this.hp = hp;
        this.stateManager = manager.newSubManager();
        for (Pair<String, Parameter> p : parameters) {
            Parameter param = p.getValue();
            if (!param.requiresGradient()) {
                continue;
            }
            NDArray w = param.getArray();
            slots.add(new Slot(
                    p.getKey(),
                    w,
                    stateManager.zeros(w.getShape(), w.getDataType()),
                    stateManager.zeros(w.getShape(), w.getDataType()),
                    w.getShape().dimension() >= 2));
        }
        List<List<String>> names = new ArrayList<>();
        for (boolean decayed : new boolean[] {true, false}) {
            for (String part : List.of("w", "m", "v")) {
                List<String> group = new ArrayList<>();
                for (Slot s : slots) {
                    if (s.decay() == decayed) {
                        group.add(part + (decayed ? "_decayed_" : "_kept_") + group.size());
                        updateInputs.add(part.equals("w") ? s.weight() : part.equals("m") ? s.m() : s.v());
                    }
                }
                names.add(group);
            }
        }
        List<Object> tensors = new ArrayList<>();
        tensors.add("settings");
        tensors.addAll(names);
        update = TorchScriptModule.load(
                "clip_and_adamw", tensors, List.of(hp.beta1(), hp.beta2(), hp.epsilon(), hp.weightDecay()));
    }

    /** Applies one update with learning rate {@code lr} from each parameter's current gradient, then zeroes it. */
    public void step(float lr) {
        clipAndStep(lr, Float.POSITIVE_INFINITY);
    }

    /**
     * Clips the gradients to the global L2 norm {@code maxNorm} (as {@code torch.nn.utils.clip_grad_norm_}), applies
     * one update with learning rate {@code lr} and zeroes the gradients. A NaN or infinite norm skips the update
     * (the update count stays) and only zeroes the gradients.
     *
     * @param maxNorm positive; {@code Float.POSITIVE_INFINITY} to only measure the norm
     * @return the global gradient norm before clipping
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public float clipAndStep(float lr, float maxNorm) {
        if (!(maxNorm > 0f)) {
            throw new IllegalArgumentException("maxNorm must be positive, got " + maxNorm);
        }
        try (NDManager scope = stateManager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDList inputs = new NDList(updateInputs.size() + 1);
            inputs.add(scope.create(new float[] {lr, maxNorm, updates + 1}));
            inputs.addAll(updateInputs);
            float norm = update.call(inputs).getFloat();
            if (Float.isFinite(norm)) {
                updates++;
            }
            return norm;
        }
    }

    /** Updates applied so far (t in the paper); restored by {@link #restore}. */
    public long updates() {
        return updates;
    }

    public Hyperparameters hyperparameters() {
        return hp;
    }

    /**
     * One parameter's optimizer state, for checkpoints.
     *
     * @param name the parameter's name in {@code Block.getParameters()}
     * @param m first moment (live array: read it, do not modify or close it)
     * @param v second moment (live array, likewise)
     */
    public record Moments(String name, NDArray m, NDArray v) {}

    /** The state of every parameter this optimizer updates, in parameter order. */
    public List<Moments> moments() {
        List<Moments> out = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            out.add(new Moments(s.name(), s.m(), s.v()));
        }
        return out;
    }

    /**
     * Replaces the whole state with a checkpoint's: copies each moment into the live arrays (so nothing holding
     * them goes stale) and sets the update count, which drives bias correction. Both maps must hold exactly this
     * optimizer's parameter names, with matching shapes and types; nothing is changed otherwise.
     */
    public void restore(Map<String, NDArray> m, Map<String, NDArray> v, long updates) {
        if (updates < 0) {
            throw new IllegalArgumentException("updates must be >= 0, got " + updates);
        }
        Set<String> names = new HashSet<>();
        for (Slot s : slots) {
            names.add(s.name());
            for (Map<String, NDArray> state : List.of(m, v)) {
                NDArray a = state.get(s.name());
                if (a == null || !a.getShape().equals(s.m().getShape()) || a.getDataType() != s.m().getDataType()) {
                    throw new IllegalArgumentException("optimizer state for " + s.name() + " must be "
                            + s.m().getDataType() + " " + s.m().getShape() + ", got "
                            + (a == null ? "nothing" : a.getDataType() + " " + a.getShape()));
                }
            }
        }
        if (!m.keySet().equals(names) || !v.keySet().equals(names)) {
            throw new IllegalArgumentException("optimizer state names " + m.keySet() + " / " + v.keySet()
                    + " do not match the parameters " + names);
        }
        for (Slot s : slots) {
            InPlace.copy(s.m(), m.get(s.name()));
            InPlace.copy(s.v(), v.get(s.name()));
        }
        this.updates = updates;
    }

    /** Names of the parameters this optimizer updates, and whether each is weight-decayed. */
    public List<Pair<String, Boolean>> decaySettings() {
        List<Pair<String, Boolean>> out = new ArrayList<>();
        for (Slot s : slots) {
            out.add(new Pair<>(s.name(), s.decay()));
        }
        return out;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
