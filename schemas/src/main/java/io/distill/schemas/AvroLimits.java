package io.distill.schemas;

import org.apache.avro.SystemLimitException;

/**
 * Avro's own allocation limits, sized to distill's largest legal record. Avro 1.12 allocates any claimed bytes,
 * string or array length below 2^31 before reading it, so without these a 20-byte record claiming 2 GB takes down
 * the process with an OutOfMemoryError; with them the claim is a {@link SystemLimitException}, which {@link
 * AvroSerde} reports as a malformed body (a dead letter).
 *
 * <p>Avro reads the system properties once, when {@link SystemLimitException} is first loaded, so {@link
 * AvroSerde} installs them in its static initializer, before it decodes anything. A value an operator set on the
 * command line ({@code -Dorg.apache.avro.limits...}) is kept.
 */
public final class AvroLimits {
    /**
     * Longest bytes or string field: no field is longer than its record, and distill never writes a record this
     * large. The largest are soft labels of a 131,072-token window at topk:32 (about 14 MiB); texts over the
     * teacher's {@code --max-text-bytes} (1 MB by default) are refused anyway.
     */
    public static final int MAX_FIELD_BYTES = 64 << 20;

    /**
     * Most items of an array or map: the largest is a window's token ids, at most the teacher's context + 1; this
     * covers a context of a million tokens, and bounds what a bad count can make Avro allocate to about 8 MB.
     */
    public static final int MAX_COLLECTION_ITEMS = 1 << 20;

    private AvroLimits() {}

    /** Sets the limits unless already set; idempotent. */
    static void install() {
        setIfAbsent(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_FIELD_BYTES);
        setIfAbsent(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_FIELD_BYTES);
        setIfAbsent(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_COLLECTION_ITEMS);
    }

    /**
     * Whether Avro enforces limits at most these (false when something used Avro before {@link AvroSerde} was
     * loaded, so Avro read the properties before they were set).
     */
    static boolean active() {
        return refuses(() -> SystemLimitException.checkMaxBytesLength(MAX_FIELD_BYTES + 1L))
                && refuses(() -> SystemLimitException.checkMaxStringLength(MAX_FIELD_BYTES + 1L))
                && refuses(() -> SystemLimitException.checkMaxCollectionLength(MAX_COLLECTION_ITEMS + 1L));
    }

    private static boolean refuses(Runnable check) {
        try {
            check.run();
            return false;
        } catch (SystemLimitException e) {
            return true;
        }
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(value));
        }
    }
}
