package io.distill.trainer;

import java.io.IOException;
import java.time.Duration;
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
            StudentSampler sampler) {
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
        TrainingWindow window = ((SoftLabelReader.Accepted) outcome).window();
        if (sampler != null) {
            PolicyLag.Verdict verdict = sampler.classify(window, batches.version());
            if (verdict instanceof PolicyLag.Stale) {
                offsets.skipped(tp, record.offset()); // valid, so no dead letter: deliberately not trained
                return false;
            }
            if (verdict instanceof PolicyLag.Fresh) {
                return batches.add(window); // the holdout measures the input text, not the student's own writing
            }
        }
        if (holdout.isHeldOut(window.sampleId())) {
            holdoutSet.add(window);
            metrics.heldOut();
            offsets.skipped(tp, record.offset());
            return false;
        }
        return batches.add(window);
    }
}
