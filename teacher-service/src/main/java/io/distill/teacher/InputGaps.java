package io.distill.teacher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * Before the teacher starts: records of its input deleted before they were labelled, because the application's
 * committed offset is older than the partition's log start (retention ran while the teacher was down). Such a gap is
 * logged with its size and counted ({@code distill_teacher_retention_gap_records_total}); then the teacher refuses to
 * start ({@link InputGapException}) unless gaps are allowed, when Kafka Streams resumes from the log start.
 */
final class InputGaps {
    private static final Logger LOG = LoggerFactory.getLogger(InputGaps.class);

    private InputGaps() {}

    static void check(String applicationId, String topic, Properties kafka, boolean allow, TeacherMetrics metrics) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        Map<TopicPartition, Long> starts = new HashMap<>();
        try (Admin admin = Admin.create(kafka)) {
            Map<TopicPartition, OffsetAndMetadata> all = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            all.forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) {
                    committed.put(tp, om.offset());
                }
            });
            if (committed.isEmpty()) {
                return; // a new application reads from the beginning: nothing it had yet to read is missing
            }
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            committed.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
            admin.listOffsets(earliest)
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> starts.put(tp, info.offset()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + topic + " for retention gaps", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot check " + topic + " for retention gaps: " + e, e);
        }
        List<String> gaps = new ArrayList<>();
        long lost = 0;
        for (Map.Entry<TopicPartition, Long> e : committed.entrySet()) {
            Long start = starts.get(e.getKey());
            if (start != null && start > e.getValue()) {
                gaps.add(e.getKey() + " offsets " + e.getValue() + ".." + (start - 1));
                lost += start - e.getValue();
            }
        }
        if (gaps.isEmpty()) {
            return;
        }
        metrics.retentionGap(lost);
        String what = "retention gap: up to " + lost + " input records deleted before they were labelled ("
                + String.join(", ", gaps) + ")";
        if (!allow) {
            LOG.error("{}; refusing to start (--allow-gaps resumes from the log start)", what);
            throw new InputGapException(what + "; refusing to start (--allow-gaps to go on)", lost);
        }
        LOG.warn("{}; resuming from the log start (--allow-gaps)", what);
    }
}
