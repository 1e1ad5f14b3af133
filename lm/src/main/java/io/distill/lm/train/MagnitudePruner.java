package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gradual magnitude pruning (Zhu and Gupta 2017) of a {@link Gpt}'s weight matrices: at each pruning step of a
 * {@link SparsitySchedule} the smallest-magnitude weights of every matrix are masked to reach the scheduled
 * sparsity, and after every optimizer update the weights are multiplied by their masks, so pruned weights stay
 * zero while the rest keep training.
 *
 * <p>Pruned: the rank-2 weights of the attention and MLP projections. Not pruned: the embeddings ({@code wte} is
 * also the output projection, and a zeroed row would silence a token), biases and LayerNorm parameters.
 *
 * <pre>
 * TrainStep.Result r = trainer.step(batch);
 * pruner.afterStep(r.step());
 * </pre>
 *
 * <p>Masks are not stored in checkpoints: the pruner starts from the zeros the weights have when it is created.
 * So after a restart, <b>create it after restoring the checkpoint</b>: the restored weights' zeros are exactly
 * the pruned ones (a kept weight that is exactly 0.0f would be taken for pruned; with float weights that is not
 * seen in practice). Created before, or on a dense model, it starts with nothing masked. The masks are fp32, one
 * per pruned matrix: memory equal to those matrices.
 */
public final class MagnitudePruner implements AutoCloseable {

    /** The names {@link Gpt} gives its two embeddings. */
    private static final Set<String> EMBEDDINGS = Set.of("wte", "wpe");

    private static final class Target {
        final String name;
        final NDArray weight;
        NDArray mask; // 0/1 fp32 of the weight's shape

        Target(String name, NDArray weight, NDArray mask) {
            this.name = name;
            this.weight = weight;
            this.mask = mask;
        }
    }

    private final SparsitySchedule schedule;
    private final NDManager maskManager;
    private final List<Target> targets = new ArrayList<>();

    /**
     * Masks start as the current non-zeros of each matrix; they are allocated in a sub-manager of {@code manager}
     * and freed by {@link #close()}.
     */
    public MagnitudePruner(Gpt model, SparsitySchedule schedule, NDManager manager) {
        this.schedule = schedule;
        this.maskManager = manager.newSubManager();
        for (Pair<String, Parameter> p : model.getParameters()) {
            NDArray w = p.getValue().getArray();
            if (w.getShape().dimension() == 2 && !EMBEDDINGS.contains(p.getKey())) {
                targets.add(new Target(p.getKey(), w, nonZeros(w, maskManager)));
            }
        }
    }

    /**
     * Call after each optimizer update with the number of steps taken so far ({@link TrainStep.Result#step()}):
     * recomputes the masks on a pruning step, then applies them.
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public void afterStep(long step) {
        if (step < schedule.startStep()) {
            return;
        }
        try (NDManager scope = maskManager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (Target t : targets) {
                if (schedule.isPruningStep(step)) {
                    replaceMask(t, magnitudeMask(t.weight, schedule.at(step), scope));
                }
                t.weight.muli(t.mask); // in place: the parameter keeps its tensor
            }
        }
    }

    /** Names of the pruned parameters. */
    public List<String> prunedParameters() {
        return targets.stream().map(t -> t.name).toList();
    }

    /** Fraction of exactly-zero weights in each pruned matrix, as measured now. */
    public Map<String, Double> sparsity() {
        Map<String, Double> out = new LinkedHashMap<>();
        try (NDManager scope = maskManager.newSubManager()) {
            for (Target t : targets) {
                NDArray zeros = t.weight.eq(0f);
                zeros.attach(scope);
                out.put(t.name, zeros.sum().getLong() / (double) t.weight.size());
            }
        }
        return out;
    }

    /**
     * A 0/1 mask keeping all but the {@code round(sparsity * n)} smallest |w|. Ranking by sort order rather than
     * comparing to a threshold value prunes exactly that many, ties (e.g. already-pruned zeros) included.
     */
    private static NDArray magnitudeMask(NDArray w, double sparsity, NDManager scope) {
        long prune = Math.round(sparsity * w.size());
        NDArray magnitude = w.abs(); // owned by the model's manager, like every op on a parameter
        magnitude.attach(scope);
        NDArray rank = magnitude.flatten().argSort().argSort(); // (n) position of each weight in ascending order
        return rank.gte(prune).toType(DataType.FLOAT32, false).reshape(w.getShape());
    }

    /** 1 where {@code w} is not zero, in {@code manager}. */
    private static NDArray nonZeros(NDArray w, NDManager manager) {
        try (NDArray keep = w.neq(0f)) {
            NDArray mask = keep.toType(DataType.FLOAT32, false);
            mask.attach(manager);
            return mask;
        }
    }

    private void replaceMask(Target t, NDArray mask) {
        mask.attach(maskManager);
        t.mask.close();
        t.mask = mask;
    }

    @Override
    public void close() {
        maskManager.close();
    }
}
