package io.distill.schemas;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How a checkpoint artifact is laid out on the artifacts topic ({@link Topics#CHECKPOINT_ARTIFACTS}): chunks of at
 * most {@link #CHUNK_BYTES}, keyed {@code student/version/index}, and the {@code kafka://} URI that announces where
 * they start. Writer (the trainer's publisher) and reader (the checkpoint client) share this one definition.
 */
public final class ArtifactChunks {
    /** The most artifact bytes one chunk carries: a chunk record stays well below Kafka's default 1 MiB limits. */
    public static final int CHUNK_BYTES = 512 * 1024;

    public static final String SCHEME = "kafka";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    private ArtifactChunks() {}

    /** The record key of chunk {@code index} of {@code student}'s {@code version}. */
    public static byte[] key(String student, long version, int index) {
        return (student + "/" + version + "/" + index).getBytes(StandardCharsets.UTF_8);
    }

    /** How many chunks an artifact of {@code bytes} takes (an empty artifact still has one, empty, chunk). */
    public static int count(long bytes) {
        return (int) Math.max(1, (bytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /**
     * Where a version's chunks are: {@code kafka://TOPIC/STUDENT/VERSION?partition=P&offset=O}, the offset being the
     * first chunk's. Chunks of one version are consecutive records of one partition (one transaction), and
     * compaction never changes an offset, so a reader seeks there and reads {@code count} chunks.
     */
    public record Location(String topic, String student, long version, int partition, long offset) {
        public Location {
            if (!SEGMENT.matcher(topic).matches() || !SEGMENT.matcher(student).matches() || student.matches("\\.+")) {
                throw new IllegalArgumentException(
                        "a kafka artifact uri needs a topic and a student of [A-Za-z0-9._-]+, got " + topic + ", "
                                + student);
            }
            if (version < 0 || partition < 0 || offset < 0) {
                throw new IllegalArgumentException("version, partition and offset must not be negative");
            }
        }

        public URI uri() {
            return URI.create(SCHEME + "://" + topic + "/" + student + "/" + version + "?partition=" + partition
                    + "&offset=" + offset);
        }

        /**
         * Reads a {@code kafka://} URI as written by {@link #uri}.
         *
         * @throws IllegalArgumentException naming what is wrong with it
         */
        public static Location parse(URI uri) {
            if (!SCHEME.equalsIgnoreCase(uri.getScheme()) || uri.getRawAuthority() == null || uri.getPath() == null) {
                throw new IllegalArgumentException("not a kafka://TOPIC/STUDENT/VERSION uri: " + uri);
            }
            String[] path = uri.getPath().split("/", -1);
            Map<String, String> query = new HashMap<>();
            if (uri.getQuery() != null) {
                for (String pair : uri.getQuery().split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        query.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
            }
            if (path.length != 3
                    || !path[0].isEmpty()
                    || !query.containsKey("partition")
                    || !query.containsKey("offset")) {
                throw new IllegalArgumentException(
                        "a kafka artifact uri is kafka://TOPIC/STUDENT/VERSION?partition=P&offset=O, got " + uri);
            }
            try {
                return new Location(
                        uri.getRawAuthority(),
                        path[1],
                        Long.parseLong(path[2]),
                        Integer.parseInt(query.get("partition")),
                        Long.parseLong(query.get("offset")));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad number in kafka artifact uri " + uri, e);
            }
        }
    }
}
