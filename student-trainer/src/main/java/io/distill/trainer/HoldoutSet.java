package io.distill.trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rolling evaluation set: the most recent held-out windows, at most {@code capacity}, oldest evicted first. A
 * window read again (after a restart) replaces its earlier copy instead of counting twice.
 */
final class HoldoutSet {
    private final int capacity;
    private final LinkedHashMap<String, TrainingWindow> windows = new LinkedHashMap<>();

    HoldoutSet(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    void add(TrainingWindow window) {
        String key = window.sampleId() + "#" + window.window();
        windows.remove(key);
        windows.put(key, window);
        if (windows.size() > capacity) {
            Map.Entry<String, TrainingWindow> eldest =
                    windows.entrySet().iterator().next();
            windows.remove(eldest.getKey());
        }
    }

    int size() {
        return windows.size();
    }

    /** The windows, oldest first. */
    List<TrainingWindow> snapshot() {
        return new ArrayList<>(windows.values());
    }
}
