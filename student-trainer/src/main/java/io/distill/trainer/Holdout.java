package io.distill.trainer;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The deterministic holdout slice: a sample belongs to it when the murmur2 hash (the one Kafka's default partitioner
 * uses) of its id's UTF-8 bytes, made positive, falls in the first {@code percent} hundredths of 10,000 buckets.
 * Every window of a sample is on the same side, the split is the same in every process and every run, and anyone
 * can recompute it: {@code (murmur2(utf8(id)) & 0x7fffffff) % 10000 < round(percent * 100)}.
 */
public final class Holdout {
    static final int BUCKETS = 10_000;

    private final int heldBuckets;

    /** @param percent share of sample ids held out, 0 to 100, in steps of 0.01 */
    public Holdout(double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("the holdout percentage must be in [0, 100], got " + percent);
        }
        this.heldBuckets = (int) Math.round(percent * BUCKETS / 100);
    }

    /** The bucket of a sample id, 0 to 9,999. */
    public static int bucket(String sampleId) {
        return Utils.toPositive(Utils.murmur2(sampleId.getBytes(StandardCharsets.UTF_8))) % BUCKETS;
    }

    /** Whether the sample is held out: never trained on, used for evaluation. */
    public boolean isHeldOut(String sampleId) {
        return bucket(sampleId) < heldBuckets;
    }
}
