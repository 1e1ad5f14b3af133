package io.distill.teacher;

import io.distill.schemas.RetentionGap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records of the teacher's input deleted before they were labelled, because the log start (moved by retention) passed
 * the offset the teacher would read next. Such a gap is logged with its size and counted ({@code
 * distill_teacher_retention_gap_records_total}); then the teacher stops ({@link InputGapException}) unless gaps are
 * allowed, when it goes on from the log start.
 *
 * <ul>
 *   <li>Before Kafka Streams starts ({@link #checkCommitted}): the application's committed offsets against the log
 *       start (retention ran while the teacher was down).
 *   <li>While it runs ({@link #watch}): Kafka Streams resets a fetch that fell below the log start to the earliest
 *       offset by itself, so the processor watches each record's offset: where it jumps past the next one expected
 *       (or, for a partition's first record, past the committed offset), the log start says whether the offsets in
 *       between were deleted. A jump is otherwise a transaction marker or an aborted record; only jumps cost a
 *       look-up.
 * </ul>
 *
 * The count is of offsets, so transaction markers among the deleted offsets count too: it is an upper bound of the
 * records lost.
 */
final class InputGaps implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InputGaps.class);
    private static final long TIMEOUT_SECONDS = 30;

    private final Admin admin;
    private final String applicationId;
    private final String topic;
    private final boolean allow;
    private final TeacherMetrics metrics;
    /**
     * Per partition, the offset from which a gap was last reported, so that a task taking the partition over before
     * its next commit (its committed offset still there) does not count the gap again.
     */
    private final Map<TopicPartition, Long> reported = new ConcurrentHashMap<>();

    InputGaps(String applicationId, String topic, Properties kafka, boolean allow, TeacherMetrics metrics) {
        this.admin = Admin.create(kafka);
        this.applicationId = applicationId;
        this.topic = topic;
        this.allow = allow;
        this.metrics = metrics;
    }

    /** Follows one input partition's offsets as its processor sees them. */
    interface Watch {
        /** A watch that checks nothing (topology tests, which have no broker to ask). */
        Watch NONE = offset -> {};

        /** The offset of the record about to be processed. */
        void seen(long offset);
    }

    /** A watch of {@code partition} of the input topic, for the processor of its task. */
    Watch watch(int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        return new Watch() {
            private long expected = -1; // unknown until the first record

            @Override
            public void seen(long offset) {
                if (expected < 0) {
                    OptionalLong committed = committed(tp);
                    boolean known = committed.isPresent()
                            && Long.valueOf(committed.getAsLong()).equals(reported.get(tp));
                    expected = committed.isPresent() && !known ? committed.getAsLong() : offset;
                }
                if (offset > expected) {
                    checkJump(tp, expected, offset);
                }
                expected = offset + 1;
            }
        };
    }

    /**
     * Before Streams starts: refuses (or, allowed, reports) committed offsets behind the log start.
     *
     * @throws InputGapException when there is a gap and gaps are not allowed
     */
    void checkCommitted() {
        Map<TopicPartition, Long> committed = new HashMap<>();
        try {
            admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .forEach((tp, om) -> {
                        if (tp.topic().equals(topic) && om != null) {
                            committed.put(tp, om.offset());
                        }
                    });
            if (committed.isEmpty()) {
                return; // a new application reads from the beginning: nothing it had yet to read is missing
            }
            Map<TopicPartition, Long> starts =
                    logStarts(committed.keySet().stream().toList());
            RetentionGap gap = RetentionGap.find(committed, starts);
            if (!gap.isEmpty()) {
                committed.forEach((tp, offset) -> {
                    if (!gap.from().get(tp).equals(offset)) {
                        reported.put(tp, offset);
                    }
                });
                decide(gap.ranges(), gap.lost(), "refusing to start", "resuming from the log start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + topic + " for retention gaps", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot check " + topic + " for retention gaps: " + e, e);
        }
    }

    /**
     * While running: the record at {@code offset} came where {@code expected} was due. A gap when the log start is
     * past {@code expected}; a check that cannot ask the broker is logged and skipped, not fatal.
     *
     * @throws InputGapException when there is a gap and gaps are not allowed
     */
    private void checkJump(TopicPartition tp, long expected, long offset) {
        long start;
        try {
            start = logStarts(List.of(tp)).get(tp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("{}: interrupted while checking offsets {}..{} for a retention gap", tp, expected, offset - 1);
            return;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: cannot check offsets {}..{} for a retention gap: {}", tp, expected, offset - 1, e.toString());
            return;
        }
        if (start > expected) {
            long end = Math.min(start, offset);
            decide(
                    List.of(RetentionGap.range(tp, expected, end)),
                    end - expected,
                    "stopping",
                    "going on from the log start");
            reported.put(tp, expected); // allowed: counted once
        }
    }

    private OptionalLong committed(TopicPartition tp) {
        try {
            OffsetAndMetadata om = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .get(tp);
            return om == null ? OptionalLong.empty() : OptionalLong.of(om.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: cannot read the committed offset to check for a retention gap: {}", tp, e.toString());
            return OptionalLong.empty();
        }
    }

    private Map<TopicPartition, Long> logStarts(List<TopicPartition> partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        partitions.forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
        Map<TopicPartition, Long> starts = new HashMap<>();
        admin.listOffsets(earliest)
                .all()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .forEach((tp, info) -> starts.put(tp, info.offset()));
        return starts;
    }

    /** Logs and counts a gap, then refuses it ({@code refusal}) or, allowed, goes on ({@code allowance}). */
    private void decide(List<String> gaps, long lost, String refusal, String allowance) {
        metrics.retentionGap(lost);
        String what = "retention gap: up to " + lost + " input records deleted before they were labelled ("
                + String.join(", ", gaps) + ")";
        if (!allow) {
            LOG.error("{}; {} (--allow-gaps goes on from the log start)", what, refusal);
            throw new InputGapException(what + "; " + refusal + " (--allow-gaps to go on)", lost);
        }
        LOG.warn("{}; {} (--allow-gaps)", what, allowance);
    }

    @Override
    public void close() {
        admin.close();
    }
}
