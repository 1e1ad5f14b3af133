package io.distill.trainer;

import ai.djl.ndarray.NDManager;
import io.distill.lm.train.Batch;
import io.distill.lm.train.TrainStep;
import io.distill.lm.train.TrainingState;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the batch and takes the step: checked windows wait in a {@link PendingBatch} until it is full, until a window
 * of another codec or temperature arrives, or for at most {@code --batch-wait}; then one optimizer step trains them,
 * on a batch whose arrays live in a sub-manager closed right after. The offset tracker and the token count follow
 * what was trained.
 */
final class BatchTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(BatchTrainer.class);

    /** DJL's PyTorch engine allows one open GradientCollector per process: trainers in one JVM take turns. */
    private static final Object GRADIENT_TURN = new Object();

    /** Skipped steps in a row for one batch before giving up: the fp16 scale falls from 2^16 to 2^-8 by then. */
    static final int MAX_SKIPPED = 24;

    /** Where windows no step can train go, with why: the dead-letter topic ({@link DeadLetters#untrainable}). */
    @FunctionalInterface
    interface SetAside {
        void windows(List<TrainingWindow> windows, String why);
    }

    private final TrainStep step;
    private final NDManager manager;
    private final SetAside setAside;
    private final OffsetTracker offsets;
    private final TrainerMetrics metrics;
    private final TrainedLog trainedLog; // test support, usually null
    private final StudentSampler sampler; // null unless --on-policy
    private final Duration batchWait;
    private final PendingBatch pending;
    private long tokensSeen;

    /** @param sampler writes the student's own samples after each applied step; null without {@code --on-policy} */
    BatchTrainer(
            TrainerConfig config,
            TrainStep step,
            NDManager manager,
            OffsetTracker offsets,
            TrainerMetrics metrics,
            TrainedLog trainedLog,
            SetAside setAside,
            StudentSampler sampler) {
        this.sampler = sampler;
        this.step = step;
        this.manager = manager;
        this.setAside = setAside;
        this.offsets = offsets;
        this.metrics = metrics;
        this.trainedLog = trainedLog;
        this.batchWait = config.batchWait();
        this.pending = new PendingBatch(config.model().context(), config.batchSize());
    }

    /** Non-padding positions trained on so far, over every run of this student. */
    long tokensSeen() {
        return tokensSeen;
    }

    /** The version of the current weights: the number of applied steps, as a published checkpoint's version. */
    long version() {
        return step.steps();
    }

    /** Continues from a checkpoint: its step, optimizer schedule and token count. */
    void resume(TrainingState state) throws IOException {
        step.resume(state);
        tokensSeen = state.tokensSeen();
        if (trainedLog != null) {
            trainedLog.resumed(state.step());
        }
    }

    /** Adds a checked window to the batch; true when a step was taken. */
    boolean add(TrainingWindow window) throws IOException {
        boolean stepped = false;
        if (!pending.accepts(window)) {
            trainPending(); // another codec or temperature: it cannot share the batch
            stepped = true;
        }
        pending.add(window);
        offsets.waiting(window.source(), window.offset());
        if (pending.isFull()) {
            trainPending();
            stepped = true;
        }
        return stepped;
    }

    /** Trains a partly filled batch that has waited {@code --batch-wait} for more records. */
    void trainIfWaited(long now) throws IOException {
        if (pending.hasWaited(batchWait, now)) {
            trainPending();
        }
    }

    /** Forgets the waiting windows of revoked partitions; they are read again from the covered offset. */
    void dropWaiting(Collection<TopicPartition> revoked) {
        pending.drop(revoked);
    }

    /**
     * Trains the waiting windows in one applied update. A step skipped for a non-finite gradient (fp16 overflow: the
     * loss scaler has halved its scale) trained nothing, so the same batch is tried again at the new scale; only the
     * applied step records its windows as trained. When no scale gives a finite gradient (scaling off, or {@link
     * #MAX_SKIPPED} skips in a row) the batch cannot be trained: its windows are set aside ({@link #setAside}).
     */
    private void trainPending() throws IOException {
        long start = System.nanoTime();
        List<TrainingWindow.Piece> pieces = pending.pieces();
        TrainStep.Result r;
        int skips = 0;
        try (Batch batch = BatchAssembler.assemble(manager, pieces, pending.key())) {
            while (true) {
                synchronized (GRADIENT_TURN) {
                    r = step.step(batch);
                }
                if (!r.skipped()) {
                    break;
                }
                skips++;
                metrics.skippedStep();
                LOG.warn(
                        "step {}: gradient not finite at loss scale {}, update skipped; {}",
                        r.step(),
                        r.lossScale(),
                        step.lossScaler().enabled() && skips < MAX_SKIPPED
                                ? "retrying the batch at scale "
                                        + step.lossScaler().scale()
                                : "giving up");
                if (!step.lossScaler().enabled() || skips >= MAX_SKIPPED) {
                    setAside(skips);
                    return;
                }
            }
        }
        tokensSeen += BatchAssembler.realPositions(pieces);
        List<TrainingWindow> trained = pending.windows();
        if (trainedLog != null) {
            trainedLog.trained(r.step(), trained);
        }
        for (TrainingWindow w : trained) {
            w.records().forEach(origin -> offsets.trained(origin.source(), origin.offset()));
        }
        metrics.trainedWindows(trained.size());
        metrics.stepped(r.step(), tokensSeen, r.loss(), r.kd(), r.ce(), r.lossScale(), System.nanoTime() - start);
        pending.clear();
        if (sampler != null) {
            sampler.afterStep(trained, step.steps());
        }
    }

    /**
     * A batch no loss scale trains: its windows are not trained and not recorded as trained, but dead-lettered and
     * skipped (covered) so that one poison batch cannot stop the trainer again on every restart. Logged with each
     * window's offset and counted in {@code distill_trainer_untrainable_windows_total}.
     */
    private void setAside(int skips) {
        List<TrainingWindow> windows = pending.windows();
        LOG.error(
                "no finite gradient for {} windows after {} skipped step(s), set aside untrained: {}",
                windows.size(),
                skips,
                windows.stream()
                        .map(w -> w.source() + "@" + w.offset() + " " + w.sampleId())
                        .toList());
        setAside.windows(
                windows,
                "no finite gradient after " + skips + " skipped step(s), down to loss scale "
                        + step.lossScaler().scale());
        for (TrainingWindow w : windows) {
            w.records().forEach(origin -> offsets.trained(origin.source(), origin.offset()));
        }
        metrics.untrainable(windows.size());
        pending.clear();
    }
}
