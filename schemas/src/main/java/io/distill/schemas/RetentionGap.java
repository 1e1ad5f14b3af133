package io.distill.schemas;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets deleted (by retention or {@code deleteRecords}) before a reader got to them: where a partition's log start
 * has moved past the offset the reader would read next. The teacher and the trainer both look for such gaps; each
 * decides what to do with one.
 *
 * <p>{@code lost} counts offsets, so transaction markers among the deleted offsets count too: it is an upper bound of
 * the records lost.
 *
 * @param from per partition, where to read on: the offset wanted, or the log start when that is past it
 * @param ranges the deleted offset ranges, one per partition with a gap, e.g. {@code "text-0 offsets 3..9"}
 * @param lost how many offsets were deleted, over all partitions
 */
public record RetentionGap(Map<TopicPartition, Long> from, List<String> ranges, long lost) {
    public RetentionGap {
        from = Collections.unmodifiableMap(new LinkedHashMap<>(from));
        ranges = List.copyOf(ranges);
    }

    /** The gaps between the offsets {@code wanted} and the partitions' log {@code starts}; none where one is unknown. */
    public static RetentionGap find(Map<TopicPartition, Long> wanted, Map<TopicPartition, Long> starts) {
        Map<TopicPartition, Long> from = new LinkedHashMap<>(wanted);
        List<String> ranges = new ArrayList<>();
        long lost = 0;
        for (Map.Entry<TopicPartition, Long> e : wanted.entrySet()) {
            Long start = starts.get(e.getKey());
            if (start != null && start > e.getValue()) {
                ranges.add(range(e.getKey(), e.getValue(), start));
                lost += start - e.getValue();
                from.put(e.getKey(), start);
            }
        }
        return new RetentionGap(from, ranges, lost);
    }

    /** One deleted range, {@code first} inclusive to {@code end} exclusive, as {@link #ranges} names it. */
    public static String range(TopicPartition tp, long first, long end) {
        return tp + " offsets " + first + ".." + (end - 1);
    }

    /** Whether any offset was deleted. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }
}
