package io.distill.trainer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The windows waiting for the next step. They share one {@link TrainingWindow.BatchKey}, since windows of another
 * codec or temperature cannot be stacked with them; a window longer than the student's context takes several rows.
 */
final class PendingBatch {
    private final int context;
    private final int batchSize;
    private final List<TrainingWindow> windows = new ArrayList<>();
    private int rows;
    private long since;
    private TrainingWindow.BatchKey key;

    PendingBatch(int context, int batchSize) {
        this.context = context;
        this.batchSize = batchSize;
    }

    boolean isEmpty() {
        return rows == 0;
    }

    /** Whether {@code window} can join the windows already waiting. */
    boolean accepts(TrainingWindow window) {
        return rows == 0 || window.batchKey().equals(key);
    }

    void add(TrainingWindow window) {
        if (rows == 0) {
            since = System.nanoTime();
            key = window.batchKey();
        }
        windows.add(window);
        rows += window.pieces(context).size();
    }

    boolean isFull() {
        return rows >= batchSize;
    }

    /** Whether a partly filled batch has waited {@code wait} since its first window, at {@code now}. */
    boolean hasWaited(Duration wait, long now) {
        return rows > 0 && now - since >= wait.toNanos();
    }

    TrainingWindow.BatchKey key() {
        return key;
    }

    List<TrainingWindow> windows() {
        return List.copyOf(windows);
    }

    /** The batch's rows: every window cut to the student's context. */
    List<TrainingWindow.Piece> pieces() {
        List<TrainingWindow.Piece> pieces = new ArrayList<>();
        for (TrainingWindow w : windows) {
            pieces.addAll(w.pieces(context));
        }
        return pieces;
    }

    void clear() {
        windows.clear();
        rows = 0;
    }

    /** Drops the windows read from {@code partitions}: whoever gets those partitions reads them again. */
    void drop(Collection<TopicPartition> partitions) {
        if (windows.removeIf(w -> partitions.contains(w.source()))) {
            rows = 0;
            for (TrainingWindow w : windows) {
                rows += w.pieces(context).size();
            }
        }
    }
}
