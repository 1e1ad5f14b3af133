package io.distill.trainer;

import io.distill.lm.Autograd;
import io.distill.lm.artifact.Checkpoint;
import io.distill.lm.artifact.CheckpointStore;
import io.distill.lm.model.Gpt;
import io.distill.lm.train.TrainStep;
import io.distill.lm.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the checkpoints training resumes from, and loads the newest one at start. A checkpoint holds the weights,
 * the optimizer, the step, the loss scale and the input offsets of the {@link OffsetTracker}: everything before them
 * was trained on or deliberately skipped, so a restart from it trains every record once.
 *
 * <p>Saving flushes the dead letters first (the offsets skip them), commits the same offsets to the consumer group
 * for lag tools (the checkpoint, not the group, is the source of truth), then hands the checkpoint to publishing.
 */
final class Checkpointer {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    private final TrainerConfig config;
    private final CheckpointStore store;
    private final Gpt model;
    private final TrainStep step;
    private final BatchTrainer batches;
    private final OffsetTracker offsets;
    private final DeadLetters deadLetters;
    private final Consumer<byte[], byte[]> consumer;
    private final GatedPublisher publishing;
    private final TrainerMetrics metrics;
    private long lastSavedStep = -1;
    private Map<String, Long> lastSavedOffsets = Map.of();
    private long lastSaveNanos = System.nanoTime();

    Checkpointer(
            TrainerConfig config,
            Gpt model,
            TrainStep step,
            BatchTrainer batches,
            OffsetTracker offsets,
            DeadLetters deadLetters,
            Consumer<byte[], byte[]> consumer,
            GatedPublisher publishing,
            TrainerMetrics metrics)
            throws IOException {
        this.config = config;
        this.store = new CheckpointStore(config.trainingDir(), config.keep());
        this.model = model;
        this.step = step;
        this.batches = batches;
        this.offsets = offsets;
        this.deadLetters = deadLetters;
        this.consumer = consumer;
        this.publishing = publishing;
        this.metrics = metrics;
    }

    /**
     * Loads the newest checkpoint that verifies into the model, the optimizer, the batch trainer and the offset
     * tracker; a fresh student when there is none. Newer checkpoints that do not verify are moved to {@code
     * quarantine/}.
     *
     * @throws io.distill.lm.artifact.UnverifiedCheckpointsException when checkpoints exist, none verifies and
     *     {@code --start-fresh} was not given
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    void restoreLatest() throws IOException {
        Optional<Path> latest = store.resumable(config.startFresh());
        if (latest.isEmpty()) {
            LOG.info(
                    "no checkpoint in {}: starting student {} fresh, reading {} from the beginning",
                    store.root(),
                    config.student(),
                    config.softLabelsTopic());
            if (config.origin().initializer().isPresent()) {
                config.origin().initializer().get().initialize(model);
            }
        } else {
            TrainingState state;
            try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
                state = Checkpoint.restore(latest.get(), model, step.optimizer());
            }
            batches.resume(state);
            offsets.resumeFrom(state.offsets(), config.softLabelsTopic());
            lastSavedStep = state.step();
            lastSavedOffsets = state.offsets();
            metrics.restored(state.step(), state.tokensSeen(), step.lossScaler().scale());
            LOG.info(
                    "resuming student {} from checkpoint {}: step {}, {} tokens seen, offsets {}",
                    config.student(),
                    latest.get(),
                    state.step(),
                    state.tokensSeen(),
                    state.offsets());
        }
        lastSaveNanos = System.nanoTime(); // the first period starts when training can, not before the loading
    }

    /** Whether {@code --checkpoint-every-steps} or {@code --checkpoint-every-seconds} has come, with anything new. */
    boolean isDue(long now) {
        boolean bySteps = config.checkpointEverySteps() > 0
                && step.steps() - Math.max(lastSavedStep, 0) >= config.checkpointEverySteps();
        boolean byTime = !config.checkpointEvery().isZero()
                && now - lastSaveNanos >= config.checkpointEvery().toNanos();
        return (bySteps || byTime) && changedSinceSave();
    }

    /** Saves a checkpoint when anything changed since the last, commits the offsets, publishes. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    void save(String why) throws IOException, InterruptedException {
        lastSaveNanos = System.nanoTime();
        if (!changedSinceSave()) {
            return;
        }
        deadLetters.flush(); // every dead letter the offsets skip must be delivered first
        Map<TopicPartition, Long> covered = offsets.covered();
        Map<String, Long> saved = offsets.checkpointOffsets();
        var scaler = step.lossScaler();
        TrainingState state = new TrainingState(
                step.steps(),
                batches.tokensSeen(),
                scaler.scale(),
                scaler.cleanSteps(),
                saved,
                config.teachers().map(TeacherWeights::weights).orElse(Map.of()));
        Path dir;
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            dir = store.save(model, config.origin().companions(), step.optimizer(), state)
                    .dir();
        }
        lastSavedStep = state.step();
        lastSavedOffsets = saved;
        metrics.checkpointSaved(System.nanoTime() - lastSaveNanos);
        LOG.info("checkpoint {} saved ({}): step {}, offsets {}", dir.getFileName(), why, state.step(), saved);
        commit(covered);
        publishing.publishIfNew(state);
    }

    private boolean changedSinceSave() {
        return step.steps() != lastSavedStep || !offsets.checkpointOffsets().equals(lastSavedOffsets);
    }

    private void commit(Map<TopicPartition, Long> covered) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        covered.forEach((tp, offset) -> commits.put(tp, new OffsetAndMetadata(offset)));
        try {
            consumer.commitSync(commits, Duration.ofSeconds(10));
        } catch (KafkaException e) {
            // The checkpoint already holds the offsets; the group's copy is only for lag tools.
            LOG.warn("could not commit offsets to group {}: {}", config.groupId(), e.toString());
        }
    }
}
