package io.distill.client;

import java.time.Duration;

/**
 * What a {@link CheckpointClient} is willing to download and unpack. An announcement is data from whoever can write
 * to the topic, so every size it claims is bounded here before it is trusted.
 *
 * @param allowFileUris follow {@code file://} URIs too (they must name a regular file); off by default, since a
 *     local path lets an announcement read any file the consumer can, {@code /dev/zero} included
 * @param maxArtifactBytes announcements claiming a larger {@code sizeBytes} are refused before any download
 * @param maxUnpackedBytes the total size of the unpacked files of one artifact
 * @param maxExpansion the unpacked total may also be at most this many times the announced size (a zip bomb is small)
 * @param maxEntries the number of files in one artifact
 * @param attempts downloads tried per announcement before it is given up (1 means no retry)
 * @param firstBackoff the wait before the second attempt; each further wait doubles
 */
public record DownloadPolicy(
        boolean allowFileUris,
        long maxArtifactBytes,
        long maxUnpackedBytes,
        int maxExpansion,
        int maxEntries,
        int attempts,
        Duration firstBackoff) {

    private static final long GIB = 1L << 30;

    public DownloadPolicy {
        if (maxArtifactBytes <= 0 || maxUnpackedBytes <= 0 || maxExpansion < 1 || maxEntries < 1) {
            throw new IllegalArgumentException("download limits must be positive");
        }
        if (attempts < 1 || firstBackoff.isNegative()) {
            throw new IllegalArgumentException("attempts must be at least 1 and the backoff not negative");
        }
    }

    /**
     * http(s) only; artifacts up to 16 GiB unpacking to at most 32 GiB and 16 times their size in at most 64 files;
     * 4 attempts, waiting 0.5, 1 and 2 seconds between them.
     */
    public static DownloadPolicy defaults() {
        return new DownloadPolicy(false, 16 * GIB, 32 * GIB, 16, 64, 4, Duration.ofMillis(500));
    }

    /** The same policy, following {@code file://} URIs to regular files too when {@code allow}. */
    public DownloadPolicy withFileUris(boolean allow) {
        return new DownloadPolicy(
                allow, maxArtifactBytes, maxUnpackedBytes, maxExpansion, maxEntries, attempts, firstBackoff);
    }

    /** The same policy with other unpacking limits. */
    public DownloadPolicy withUnpackLimits(long maxUnpackedBytes, int maxEntries) {
        return new DownloadPolicy(
                allowFileUris, maxArtifactBytes, maxUnpackedBytes, maxExpansion, maxEntries, attempts, firstBackoff);
    }

    /** The same policy with other retries. */
    public DownloadPolicy withRetries(int attempts, Duration firstBackoff) {
        return new DownloadPolicy(
                allowFileUris, maxArtifactBytes, maxUnpackedBytes, maxExpansion, maxEntries, attempts, firstBackoff);
    }

    /** The most the files of an artifact announced at {@code sizeBytes} may unpack to. */
    long unpackedLimit(long sizeBytes) {
        long expanded = sizeBytes > Long.MAX_VALUE / maxExpansion ? Long.MAX_VALUE : sizeBytes * maxExpansion;
        return Math.min(maxUnpackedBytes, expanded);
    }
}
