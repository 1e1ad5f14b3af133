package io.distill.teacher;

import io.distill.schemas.AvroDecodeException;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DeadLetter;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TextSample;
import io.distill.schemas.TextValueDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Text in, soft labels out, for one stream task (one input partition): decode, tokenize, cut into windows, buffer
 * the windows, and run a forward pass over {@code maxBatch} of them at a time, windows of many records together.
 *
 * <h2>Why batching keeps exactly-once</h2>
 *
 * The batch buffer is not a Java list but the changelogged state store {@link TeacherTopology#PENDING_STORE}:
 * {@link #process} puts a record's windows in the store, and a flush deletes the windows it publishes. Under {@code
 * exactly_once_v2}, Kafka Streams commits a task by committing one producer transaction that holds everything the
 * task did since the last commit: the store's changelog writes (puts and deletes), the records sent to the output
 * and dead-letter topics, and the input offsets consumed. Either all of it becomes visible or none of it does. So
 * at every committed input offset, each window of each record before it is in exactly one of two places: already
 * published (in a committed transaction, deleted from the store) or still in the store (whose committed changelog
 * restores it on restart or on whichever instance takes the task over, and the first flush there publishes it).
 * After a crash, everything since the last commit is aborted together: the input is read again from the committed
 * offset, the windows it adds were never in the committed store, and the outputs of the aborted flush were never
 * visible to a {@code read_committed} consumer. Nothing is lost and nothing is doubled, whatever the batch timing.
 *
 * <p>Work per call is bounded: {@link #process} and the punctuator run full batches for at most {@link
 * #FLUSH_BUDGET} (at least one), so one huge document cannot hold a transaction open past its timeout; what is left
 * stays in the store for the next call.
 *
 * <p>Not shared between threads: Kafka Streams makes one per task; the native memory scope is created in {@link
 * #init} and closed in {@link #close}.
 */
final class TeacherProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    static final String STAGE = "teacher";
    /** How long one process or punctuate call may spend on forward passes before yielding. */
    static final Duration FLUSH_BUDGET = Duration.ofSeconds(2);

    private final TeacherConfig config;
    private final TeacherModel teacher;
    private final ByteLabeler bytes;
    private final TeacherMetrics metrics;
    private final IntFunction<InputGaps.Watch> gaps;
    private InputGaps.Watch gapWatch;
    private final TextValueDecoder decoder = new TextValueDecoder();
    private final AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> pending;
    private SoftLabeler labeler;
    private Cancellable punctuator;
    private long pendingCount;
    /**
     * When a punctuation first found the buffered windows waiting, or {@link #NOT_WAITING}. Taken from the
     * punctuator's clock rather than when a window arrived: Kafka Streams hands {@link #process} a wall-clock time
     * cached per poll loop, which lags by every forward pass run since, and would make windows look older than
     * they are (and batches flush half full). So a window waits at most max-wait plus one punctuation tick.
     */
    private long waitingSinceMs = NOT_WAITING;

    private static final long NOT_WAITING = -1;

    /**
     * @param bytes the byte projection of {@code --project bytes}, or null to label the teacher's own tokens
     * @param gaps watches an input partition's offsets for retention gaps while running
     */
    TeacherProcessor(
            TeacherConfig config,
            TeacherModel teacher,
            ByteLabeler bytes,
            TeacherMetrics metrics,
            IntFunction<InputGaps.Watch> gaps) {
        this.config = config;
        this.teacher = teacher;
        this.bytes = bytes;
        this.metrics = metrics;
        this.gaps = gaps;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.pending = context.getStateStore(TeacherTopology.PENDING_STORE);
        this.gapWatch = gaps.apply(context.taskId().partition()); // one source topic: its partition is the task's
        this.labeler = new SoftLabeler(teacher, config.codec(), config.temperature(), bytes);
        // The store is restored before init: windows buffered but not published before a crash or a task move.
        try (KeyValueIterator<Bytes, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                it.next();
                pendingCount++;
            }
        }
        long tick = Math.max(1, config.maxWait().toMillis() / 4);
        this.punctuator = context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        gapWatch.seen(source.offset()); // a refused gap throws here: this record's transaction aborts
        metrics.recordIn();
        byte[] value = record.value();
        if (value != null && value.length > config.maxTextBytes()) {
            deadLetter(
                    record,
                    source,
                    Rejection.OVERSIZED,
                    "value of " + value.length + " bytes is over the cap of " + config.maxTextBytes());
            return;
        }
        TextSample sample;
        try {
            String fallbackId = source.topic() + "-" + source.partition() + "-" + source.offset();
            sample = decoder.decode(record.key(), value, fallbackId, record.timestamp());
        } catch (AvroDecodeException e) {
            deadLetter(record, source, Rejection.of(e.reason()), e.getMessage());
            return;
        }
        int[] tokens = teacher.tokenize(sample.getText());
        List<int[]> windows = Windowing.cut(tokens, config.context(), config.stride());
        if (windows.isEmpty()) {
            deadLetter(record, source, Rejection.TOO_SHORT, "sample '" + sample.getId() + "' has a single token");
            return;
        }
        long[] byteStarts = Windowing.byteStarts(teacher.tokenizer(), tokens, windows.size(), config.stride());
        for (int w = 0; w < windows.size(); w++) {
            PendingWindow window = new PendingWindow(
                    sample.getId(),
                    w,
                    windows.get(w),
                    byteStarts[w],
                    source.partition(),
                    source.offset(),
                    record.timestamp());
            pending.put(window.storeKey(), window.toBytes());
        }
        pendingCount += windows.size();
        metrics.windowsBuffered(windows.size());
        flush(false);
    }

    private void punctuate(long now) {
        if (pendingCount == 0) {
            waitingSinceMs = NOT_WAITING;
            return;
        }
        if (waitingSinceMs == NOT_WAITING) {
            waitingSinceMs = now;
        }
        if (now - waitingSinceMs >= config.maxWait().toMillis()) {
            flush(true);
        } else if (pendingCount >= config.maxBatch()) {
            flush(false); // a backlog left by a call that ran out of budget
        }
    }

    /**
     * Runs full batches, and with {@code partial} also a last short one, until the buffer holds less than a batch
     * (or nothing) or the time budget is spent.
     */
    private void flush(boolean partial) {
        long deadline = System.nanoTime() + FLUSH_BUDGET.toNanos();
        boolean ran = false;
        while (pendingCount >= config.maxBatch() || (partial && pendingCount > 0)) {
            runBatch();
            ran = true;
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        // What is left after full batches (the oldest windows go first) arrived with the latest records: its wait
        // starts now. What is left after a max-wait flush ran out of budget has waited long enough already, and
        // windows no batch took keep waiting from when they were first seen: the next punctuation goes on.
        if (pendingCount == 0 || (ran && !partial)) {
            waitingSinceMs = NOT_WAITING;
        }
    }

    /** Labels the oldest {@code maxBatch} buffered windows in one forward pass, publishes them, deletes them. */
    private void runBatch() {
        List<Bytes> keys = new ArrayList<>(config.maxBatch());
        List<PendingWindow> windows = new ArrayList<>(config.maxBatch());
        try (KeyValueIterator<Bytes, byte[]> it = pending.all()) {
            while (it.hasNext() && windows.size() < config.maxBatch()) {
                var entry = it.next();
                keys.add(entry.key);
                windows.add(PendingWindow.fromBytes(entry.value));
            }
        }
        long start = System.nanoTime();
        SoftLabeler.Batch batch = labeler.label(windows, Instant.ofEpochMilli(context.currentSystemTimeMs()));
        metrics.batch(windows.size(), System.nanoTime() - start, batch.forwardNanos());
        for (SoftLabeler.Outcome outcome : batch.outcomes()) {
            PendingWindow window = outcome.window();
            byte[] key = window.sampleId().getBytes(StandardCharsets.UTF_8);
            if (outcome instanceof SoftLabeler.Labelled labelled) {
                SoftLabels labels = labelled.labels();
                byte[] value = serde.encode(labels);
                context.forward(
                        new Record<>(key, value, window.timestamp(), new RecordHeaders()),
                        TeacherTopology.SOFT_LABELS_SINK);
                int positions = labels.getTokens().size() - 1; // bytes when projecting
                metrics.published(positions, value.length);
                if (bytes != null) {
                    metrics.projected(positions, labels.getTargetNats());
                }
            } else if (outcome instanceof SoftLabeler.NonFinite bad) {
                deadLetter(window, Rejection.NON_FINITE_LOGITS, "non-finite logit at position " + bad.position());
            } else if (outcome instanceof SoftLabeler.Unprojectable bad) {
                deadLetter(window, Rejection.UNPROJECTABLE, "no next-byte distribution: " + bad.reason());
            }
        }
        if (bytes != null) {
            metrics.logProjectionIfDue();
        }
        for (Bytes key : keys) {
            pending.delete(key);
        }
        pendingCount -= keys.size();
    }

    /** One window of a record: the dead letter carries this window's text only, the record may hold many. */
    private void deadLetter(PendingWindow window, Rejection reason, String detail) {
        byte[] key = window.sampleId().getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = new DeadLetter(
                STAGE,
                reason.name(),
                "window " + window.window() + " of sample '" + window.sampleId() + "': " + detail,
                config.inputTopic(),
                window.sourcePartition(),
                window.sourceOffset(),
                key,
                teacher.tokenizer().decode(window.tokens()));
        context.forward(
                new Record<>(letter.boundedKey(), letter.boundedValue(), window.timestamp(), letter.headers()),
                TeacherTopology.DEAD_LETTER_SINK);
        metrics.deadLetter(reason);
    }

    private void deadLetter(Record<byte[], byte[]> record, RecordMetadata source, Rejection reason, String detail) {
        DeadLetter letter = new DeadLetter(
                STAGE,
                reason.name(),
                detail,
                source.topic(),
                source.partition(),
                source.offset(),
                record.key(),
                record.value());
        // bounded: an oversized value goes as a prefix with its length and sha256, so the send cannot fail on size
        context.forward(
                new Record<>(letter.boundedKey(), letter.boundedValue(), record.timestamp(), letter.headers()),
                TeacherTopology.DEAD_LETTER_SINK);
        metrics.deadLetter(reason);
    }

    @Override
    public void close() {
        if (punctuator != null) {
            punctuator.cancel();
        }
        if (labeler != null) {
            labeler.close();
        }
    }
}
