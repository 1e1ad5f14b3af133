package io.distill.trainer;

import io.distill.lm.codec.Codec;
import io.distill.lm.codec.TopK;
import io.distill.lm.codec.WindowLabels;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code train --teachers}: joins byte-level records of several teachers by (sample id, byte range) and mixes their
 * distributions position by position ({@link MixedLabels}), before batching.
 *
 * <p>Teachers with different tokenizers cut a document at different bytes, so their records ("segments") cover
 * different byte ranges; each carries the document offset of its first target ({@code byteOffset}). Per sample, the
 * join keeps each named teacher's segments in arrival order (a teacher writes a sample's windows in order, keyed by
 * sample id, so they arrive so) and a frontier {@code done}: the bytes before it are mixed or given up. Whenever every
 * named teacher has a segment at the frontier's next byte, the bytes all of them cover, up to the first segment's end,
 * become one mixed window. Bytes only some teachers cover are not trained (counted as dropped): at the start of a
 * document (GPT-2 labels nothing of its first token, Llama 2 does), where a teacher's windows overlap its own earlier
 * ones (the first label wins), and where a teacher never delivers.
 *
 * <p>Bounded: a sample whose join has not moved for {@code maxWait}, or the oldest samples while more than {@code
 * maxPositions} positions wait, are evicted (counted); their records are released untrained. A record is released
 * (its offset may be committed) once the window that mixes its last byte is trained, or when it is evicted.
 */
final class TeacherMixture {

    /** Reasons of records a mixing student cannot use. */
    static final String NOT_JOINABLE = "NOT_JOINABLE";

    static final String TEMPERATURE_MISMATCH = "TEMPERATURE_MISMATCH";

    /** The join's bound: about 30 MB of top-k:32 labels (~450 bytes a position decoded). */
    static final long MAX_POSITIONS = 65_536;

    /** How long a sample's join may stand still before it is evicted: a teacher that far behind is missing. */
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    /** What became of an offered record. */
    sealed interface Result permits Ignored, Refused, Joined {}

    /** A record of a teacher not named: valid for someone else, not for this student. */
    record Ignored() implements Result {}

    record Refused(String reason, String detail) implements Result {}

    /**
     * The record waits in the join (it is not finished until released).
     *
     * @param mixed windows the join completed, in byte order
     * @param released records finished without training: their bytes were not all covered
     */
    record Joined(List<TrainingWindow> mixed, List<TrainingWindow> released) implements Result {}

    private record Segment(TrainingWindow window, long start) {
        long end() {
            return start + window.positions();
        }
    }

    private final class Join {
        final Map<String, ArrayDeque<Segment>> segments = new TreeMap<>();
        final float temperature;
        long done = Long.MIN_VALUE;
        long touched;
        int windows;

        Join(float temperature) {
            this.temperature = temperature;
            weights.weights().keySet().forEach(name -> segments.put(name, new ArrayDeque<>()));
        }
    }

    private final TeacherWeights weights;
    private final double[] weightArray;
    private final int vocab;
    private final long maxPositions;
    private final Duration maxWait;
    private final MixtureMetrics metrics;
    /** By sample id, least recently moved first. */
    private final LinkedHashMap<String, Join> joins = new LinkedHashMap<>();

    private long positions;

    TeacherMixture(TeacherWeights weights, int vocab, long maxPositions, Duration maxWait, MixtureMetrics metrics) {
        this.weights = weights;
        this.weightArray = weights.weights().values().stream()
                .mapToDouble(Double::doubleValue)
                .toArray();
        this.vocab = vocab;
        this.maxPositions = maxPositions;
        this.maxWait = maxWait;
        this.metrics = metrics;
    }

    /** Positions waiting in the join. */
    long bufferedPositions() {
        return positions;
    }

    /** Offers a checked record at {@code now} (nanoseconds). */
    Result offer(SoftLabelReader.Accepted accepted, long now) {
        if (!weights.names(accepted.teacher())) {
            metrics.ignoredRecords.incrementAndGet();
            return new Ignored();
        }
        TrainingWindow w = accepted.window();
        if (accepted.byteOffset().isEmpty()) {
            return new Refused(
                    NOT_JOINABLE,
                    "teacher " + accepted.teacher() + " sent " + w.sampleId() + "#" + w.window()
                            + " without byteOffset; --teachers mixes records of teacher --project bytes");
        }
        Join join = joins.remove(w.sampleId()); // re-inserted last: the most recently moved
        if (join == null) {
            join = new Join(w.temperature());
        } else if (join.temperature != w.temperature()) {
            joins.put(w.sampleId(), join);
            return new Refused(
                    TEMPERATURE_MISMATCH,
                    "teacher " + accepted.teacher() + " labelled " + w.sampleId() + "#" + w.window() + " at T="
                            + w.temperature() + ", the other teachers at T=" + join.temperature);
        }
        join.touched = now;
        joins.put(w.sampleId(), join);
        join.segments
                .get(accepted.teacher())
                .add(new Segment(w, accepted.byteOffset().getAsLong()));
        positions += w.positions();
        List<TrainingWindow> mixed = new ArrayList<>();
        List<TrainingWindow> released = new ArrayList<>();
        advance(w.sampleId(), join, mixed, released);
        released.addAll(evictOverflow());
        return new Joined(mixed, released);
    }

    /** Evicts the joins that have not moved for {@code maxWait}; returns their records, released untrained. */
    List<TrainingWindow> evictStale(long now) {
        List<TrainingWindow> released = new ArrayList<>();
        for (Iterator<Join> it = joins.values().iterator(); it.hasNext(); ) {
            Join join = it.next();
            if (now - join.touched < maxWait.toNanos()) {
                break; // the rest moved later
            }
            it.remove();
            released.addAll(evict(join));
        }
        return released;
    }

    /** Forgets the joins holding records of {@code partitions}: they are read again from the covered offsets. */
    void drop(Collection<TopicPartition> partitions) {
        joins.values().removeIf(join -> {
            boolean drop = join.segments.values().stream()
                    .flatMap(ArrayDeque::stream)
                    .anyMatch(s -> partitions.contains(s.window().source()));
            if (drop) {
                join.segments
                        .values()
                        .forEach(q -> q.forEach(s -> positions -= s.window().positions()));
            }
            return drop;
        });
    }

    private List<TrainingWindow> evictOverflow() {
        List<TrainingWindow> released = new ArrayList<>();
        for (Iterator<Join> it = joins.values().iterator(); positions > maxPositions && it.hasNext(); ) {
            Join join = it.next();
            it.remove();
            released.addAll(evict(join));
        }
        return released;
    }

    /** Lets go of a join; it counts as evicted when it still held records (a finished one just ages out). */
    private List<TrainingWindow> evict(Join join) {
        List<TrainingWindow> released = new ArrayList<>();
        if (join.segments.values().stream().anyMatch(q -> !q.isEmpty())) {
            metrics.evictedSamples.incrementAndGet();
        }
        for (ArrayDeque<Segment> queue : join.segments.values()) {
            for (Segment s : queue) {
                drop(join, s);
                released.add(s.window());
            }
            queue.clear();
        }
        return released;
    }

    /** Mixes every run of bytes all named teachers now cover, and lets go of segments no teacher can join any more. */
    private void advance(String sampleId, Join join, List<TrainingWindow> mixed, List<TrainingWindow> released) {
        while (true) {
            for (ArrayDeque<Segment> queue : join.segments.values()) {
                while (!queue.isEmpty() && queue.peek().end() <= join.done) {
                    Segment behind = queue.poll(); // wholly behind the frontier: an overlap or a late record
                    drop(join, behind);
                    released.add(behind.window());
                }
            }
            if (join.segments.values().stream().anyMatch(ArrayDeque::isEmpty)) {
                return; // wait for the missing teacher
            }
            long lo = join.done;
            for (ArrayDeque<Segment> queue : join.segments.values()) {
                lo = Math.max(lo, queue.peek().start());
            }
            boolean allCover = true;
            for (ArrayDeque<Segment> queue : join.segments.values()) {
                if (queue.peek().end() <= lo) {
                    // the teacher that starts at lo never goes back, so these bytes can never all be covered
                    Segment gone = queue.poll();
                    drop(join, gone);
                    released.add(gone.window());
                    allCover = false;
                }
            }
            if (allCover) {
                emit(sampleId, join, lo, mixed, released);
            }
        }
    }

    /** Mixes bytes [lo, hi) where hi is the end of the first segment to end, and moves the frontier to hi. */
    private void emit(String sampleId, Join join, long lo, List<TrainingWindow> mixed, List<TrainingWindow> released) {
        long hi = Long.MAX_VALUE;
        for (ArrayDeque<Segment> queue : join.segments.values()) {
            hi = Math.min(hi, queue.peek().end());
        }
        int n = (int) (hi - lo);
        List<WindowLabels> labels = new ArrayList<>();
        Codec codec = new TopK(vocab); // what a mixture of probabilities trains as
        int[] tokens = null;
        boolean agree = true;
        for (ArrayDeque<Segment> queue : join.segments.values()) {
            Segment s = queue.peek();
            metrics.droppedPositions.addAndGet(lo - Math.max(s.start(), join.done)); // before lo: not all covered
            int from = (int) (lo - s.start());
            int[] mine = Arrays.copyOfRange(s.window().tokens(), from, from + n + 1);
            if (tokens == null) {
                tokens = mine;
            } else {
                // targets must be the same document bytes; the input before them may differ (BOS at a start)
                agree &= Arrays.equals(tokens, 1, n + 1, mine, 1, n + 1);
            }
            WindowLabels slice = s.window().soft().slice(from, from + n);
            codec = MixedLabels.exact(slice) ? codec : s.window().codec(); // an estimate trains as its codec does
            labels.add(slice);
        }
        join.done = hi;
        List<TrainingWindow> finished = new ArrayList<>();
        for (ArrayDeque<Segment> queue : join.segments.values()) {
            if (queue.peek().end() == hi) {
                Segment s = queue.poll();
                positions -= s.window().positions();
                finished.add(s.window());
            }
        }
        if (!agree) {
            metrics.droppedPositions.addAndGet(n); // same sample id, different text: nothing to mix
            released.addAll(finished);
            return;
        }
        // the window stands for the records it finishes (at least one segment ends at hi), released when trained
        TrainingWindow own = finished.get(0);
        List<TrainingWindow.Origin> joined = finished.subList(1, finished.size()).stream()
                .map(f -> new TrainingWindow.Origin(f.source(), f.offset()))
                .toList();
        mixed.add(new TrainingWindow(
                sampleId,
                join.windows++,
                tokens,
                MixedLabels.mix(labels, weightArray, vocab),
                join.temperature,
                codec,
                OptionalDouble.empty(),
                own.source(),
                own.offset(),
                own.key(),
                own.value(),
                joined));
        metrics.mixedWindows.incrementAndGet();
        metrics.mixedPositions.addAndGet(n);
    }

    /** A segment let go of before its last bytes were mixed: its bytes past the frontier are dropped. */
    private void drop(Join join, Segment s) {
        positions -= s.window().positions();
        metrics.droppedPositions.addAndGet(Math.max(0, s.end() - Math.max(s.start(), join.done)));
    }
}
