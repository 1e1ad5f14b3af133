package io.distill.trainer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The consume loop, top to bottom: poll, check each record, then file it as a dead letter, a held-out window or a
 * window to train on; after every step and every poll, checkpoint and report progress when due.
 */
final class TrainingLoop {
    private final Consumer<byte[], byte[]> consumer;
    private final SoftLabelReader reader;
    private final Holdout holdout;
    private final HoldoutSet holdoutSet;
    private final DeadLetters deadLetters;
    private final OffsetTracker offsets;
    private final BatchTrainer batches;
    private final Checkpointer checkpointer;
    private final ProgressReporter progress;
    private final TrainerMetrics metrics;
    private final RetentionGaps gaps;
    private final StudentSampler sampler; // null unless --on-policy
    private final TeacherMixture mixture; // null unless --teachers

    TrainingLoop(
            TrainerConfig config,
            Consumer<byte[], byte[]> consumer,
            HoldoutSet holdoutSet,
            DeadLetters deadLetters,
            OffsetTracker offsets,
            BatchTrainer batches,
            Checkpointer checkpointer,
            ProgressReporter progress,
            TrainerMetrics metrics,
            RetentionGaps gaps,
            StudentSampler sampler,
            TeacherMixture mixture) {
        this.mixture = mixture;
        this.consumer = consumer;
        this.reader = new SoftLabelReader(
                config.origin().tokenizer(), config.model().vocab(), config.tokenizerMismatch(), config.loss());
        this.holdout = new Holdout(config.holdoutPercent());
        this.holdoutSet = holdoutSet;
        this.deadLetters = deadLetters;
        this.offsets = offsets;
        this.batches = batches;
        this.checkpointer = checkpointer;
        this.progress = progress;
        this.metrics = metrics;
        this.gaps = gaps;
        this.sampler = sampler;
    }

    /** Runs until {@code stopRequested}; the step under way finishes, unread records are read again next time. */
    void run(BooleanSupplier stopRequested) throws IOException, InterruptedException {
        while (!stopRequested.getAsBoolean()) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(Duration.ofMillis(100));
            } catch (WakeupException e) {
                continue; // stop() woke us up: the loop condition decides
            } catch (OffsetOutOfRangeException e) {
                outOfRange(e);
                continue;
            } catch (KafkaException e) {
                // A refused gap found while assigning partitions comes out of poll wrapped by the consumer.
                if (e.getCause() instanceof RetentionGapException gap) {
                    throw gap;
                }
                throw e;
            }
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (stopRequested.getAsBoolean()) {
                    break; // unread records stay uncovered and are read again next time
                }
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (offsets.isAssigned(tp) && handle(record, tp)) {
                    housekeeping();
                }
            }
            if (mixture != null) {
                release(mixture.evictStale(System.nanoTime()));
            }
            batches.trainIfWaited(System.nanoTime());
            housekeeping();
        }
    }

    /**
     * A fetch fell below the log start while running (the trainer was behind by more than the retention): a gap,
     * refused or, when allowed, read on from the log start. An offset past the end is no gap and is not skipped.
     */
    private void outOfRange(OffsetOutOfRangeException e) {
        Map<TopicPartition, Long> from = gaps.check(e.offsetOutOfRangePartitions());
        if (from.equals(e.offsetOutOfRangePartitions())) {
            throw e; // past the end of the log (truncated or recreated): nothing to skip to safely
        }
        from.forEach((tp, position) -> {
            consumer.seek(tp, position);
            offsets.jumped(tp, position);
        });
    }

    /** Checkpoint and progress line when due; after every step and every poll. */
    private void housekeeping() throws IOException, InterruptedException {
        long now = System.nanoTime();
        if (checkpointer.isDue(now)) {
            checkpointer.save("periodic");
        }
        progress.reportIfDue(now);
    }

    /** Checks one record and files it; true when a step was taken. */
    private boolean handle(ConsumerRecord<byte[], byte[]> record, TopicPartition tp) throws IOException {
        SoftLabelReader.Outcome outcome = reader.read(record);
        if (outcome instanceof SoftLabelReader.Rejected rejected) {
            deadLetters.send(record, rejected);
            offsets.skipped(tp, record.offset());
            return false;
        }
        SoftLabelReader.Accepted accepted = (SoftLabelReader.Accepted) outcome;
        if (mixture != null) {
            return mix(record, tp, accepted);
        }
        return file(accepted.window());
    }

    /**
     * {@code --teachers}: a named teacher's record waits in the join until the windows that mix its bytes are
     * trained; another teacher's record is finished with at once, like a held-out one (valid, so no dead letter).
     */
    private boolean mix(ConsumerRecord<byte[], byte[]> record, TopicPartition tp, SoftLabelReader.Accepted accepted)
            throws IOException {
        TeacherMixture.Result result = mixture.offer(accepted, System.nanoTime());
        if (result instanceof TeacherMixture.Refused refused) {
            deadLetters.send(record, new SoftLabelReader.Rejected(refused.reason(), refused.detail()));
            offsets.skipped(tp, record.offset());
            return false;
        }
        if (result instanceof TeacherMixture.Ignored) {
            offsets.skipped(tp, record.offset());
            return false;
        }
        TeacherMixture.Joined joined = (TeacherMixture.Joined) result;
        offsets.waiting(tp, record.offset());
        release(joined.released());
        boolean stepped = false;
        for (TrainingWindow window : joined.mixed()) {
            stepped |= file(window);
        }
        return stepped;
    }

    /** Records the join let go of untrained: finished with, as skipped ones are. */
    private void release(List<TrainingWindow> released) {
        for (TrainingWindow w : released) {
            offsets.trained(w.source(), w.offset());
        }
    }

    /** Files a checked window: trained as the student's own sample, held out, or added to the batch. */
    private boolean file(TrainingWindow window) throws IOException {
        if (sampler != null) {
            PolicyLag.Verdict verdict = sampler.classify(window, batches.version());
            if (verdict instanceof PolicyLag.Stale) {
                offsets.skipped(window.source(), window.offset()); // valid, so no dead letter: not trained
                return false;
            }
            if (verdict instanceof PolicyLag.Fresh) {
                return batches.add(window); // the holdout measures the input text, not the student's own writing
            }
        }
        if (holdout.isHeldOut(window.sampleId())) {
            holdoutSet.add(window);
            metrics.heldOut();
            for (TrainingWindow.Origin r : window.records()) {
                offsets.skipped(r.source(), r.offset());
                offsets.trained(r.source(), r.offset()); // a mixed window's records waited in the join
            }
            return false;
        }
        return batches.add(window);
    }
}
