package io.distill.client;

import io.distill.lm.Sha256;
import io.distill.schemas.ArtifactChunks;
import io.distill.schemas.CheckpointPublished;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads an announced artifact to a file and verifies it, trusting nothing the announcement says:
 *
 * <ul>
 *   <li>{@code kafka://} URIs (chunks on the artifacts topic, {@link KafkaArtifactReader}) and {@code http(s)://};
 *       {@code file://} only when the policy allows it, and only to a regular file;
 *   <li>at most the announced {@code sizeBytes} are written: reading stops one byte past it, and the artifact is
 *       refused (so an endless body or {@code /dev/zero} costs at most {@code sizeBytes} of disk);
 *   <li>the size and sha256 of what arrived must match the announcement.
 * </ul>
 *
 * A download that fails (no answer, an HTTP error status, a broken or short body, a missing file, a body slower than
 * its {@link BodyDeadline}) is retried with doubling waits; a refusal (scheme, size, hash) is final. {@link #close}
 * ends a wait between attempts.
 */
final class ArtifactFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactFetcher.class);

    /**
     * How long an HTTP body may take: {@code base} plus the announced size at {@code minBytesPerSecond}. The request
     * timeout covers only the response headers, so without this a server trickling a byte now and then (a
     * slow-loris) would hold a download, and a {@code follow}, for as long as it liked.
     */
    record BodyDeadline(Duration base, long minBytesPerSecond) {
        /** A minute, plus the announced size at 1 MiB/s (a 100 MiB artifact may take 2 min 40 s). */
        static final BodyDeadline DEFAULT = new BodyDeadline(Duration.ofMinutes(1), 1 << 20);

        Duration forSize(long bytes) {
            return base.plusSeconds(bytes / minBytesPerSecond);
        }
    }

    private final DownloadPolicy policy;
    private final BodyDeadline bodyDeadline;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final KafkaArtifactReader kafkaReader;

    /** @param kafka client settings for {@code kafka://} artifacts (bootstrap servers and security) */
    ArtifactFetcher(DownloadPolicy policy, Properties kafka) {
        this(policy, kafka, BodyDeadline.DEFAULT);
    }

    ArtifactFetcher(DownloadPolicy policy, Properties kafka, BodyDeadline bodyDeadline) {
        this.policy = policy;
        this.kafkaReader = new KafkaArtifactReader(kafka);
        this.bodyDeadline = bodyDeadline;
    }

    /**
     * Writes the artifact of {@code a} to {@code file} and checks its size and sha256.
     *
     * @throws CheckpointRefusedException when the announcement or what arrived is refused, or every attempt failed
     */
    void fetch(CheckpointPublished a, Path file) throws IOException {
        URI uri = checkedUri(a);
        IOException last = null;
        for (int attempt = 1; attempt <= policy.attempts(); attempt++) {
            if (attempt > 1) {
                Duration wait = policy.firstBackoff().multipliedBy(1L << Math.min(attempt - 2, 20));
                LOG.warn(
                        "{}: attempt {} failed ({}); retrying in {} ms",
                        describe(a),
                        attempt - 1,
                        FailureReasons.of(last),
                        wait.toMillis());
                pause(a, wait);
            }
            try {
                String sha256 = download(a, uri, file);
                if (!sha256.equalsIgnoreCase(a.getSha256())) {
                    throw new CheckpointRefusedException(describe(a) + " refused: the downloaded file's sha256 is "
                            + sha256 + ", the announcement says " + a.getSha256() + "; nothing was loaded");
                }
                return;
            } catch (CheckpointRefusedException e) {
                throw e;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new CheckpointRefusedException(
                describe(a) + ": download failed " + policy.attempts() + " times, giving up on this version: "
                        + FailureReasons.of(last),
                last);
    }

    /** Ends a wait between attempts; a download in progress ends with its next refusal or failure. */
    @Override
    public void close() {
        closed.countDown();
    }

    /** The announced URI, if the policy follows its scheme and the announced size is one it accepts. */
    private URI checkedUri(CheckpointPublished a) throws CheckpointRefusedException {
        if (a.getSizeBytes() < 0 || a.getSizeBytes() > policy.maxArtifactBytes()) {
            throw new CheckpointRefusedException(describe(a) + " refused: announced size " + a.getSizeBytes()
                    + " bytes is outside 0.." + policy.maxArtifactBytes());
        }
        URI uri;
        try {
            uri = URI.create(a.getUri());
        } catch (IllegalArgumentException e) {
            throw new CheckpointRefusedException(describe(a) + " refused: bad uri " + a.getUri(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case ArtifactChunks.SCHEME, "http", "https" -> {
                return uri;
            }
            case "file" -> {
                if (!policy.allowFileUris()) {
                    throw new CheckpointRefusedException(describe(a) + " refused: " + uri
                            + " is a local file; file:// URIs are followed only when allowed (--allow-file-uris)");
                }
                return uri;
            }
            default ->
                throw new CheckpointRefusedException(
                        describe(a) + " refused: unsupported uri scheme '" + scheme + "' in " + uri);
        }
    }

    /** One attempt: copies at most {@code sizeBytes} to {@code file}, returning the sha256 of what arrived. */
    private String download(CheckpointPublished a, URI uri, Path file) throws IOException {
        if (uri.getScheme().equalsIgnoreCase(ArtifactChunks.SCHEME)) {
            ArtifactChunks.Location where;
            try {
                where = ArtifactChunks.Location.parse(uri);
            } catch (IllegalArgumentException e) {
                throw new CheckpointRefusedException(describe(a) + " refused: " + e.getMessage(), e);
            }
            return kafkaReader.read(a, where, file);
        }
        if (uri.getScheme().equalsIgnoreCase("file")) {
            Path path;
            try {
                path = Path.of(uri);
            } catch (IllegalArgumentException e) {
                throw new CheckpointRefusedException(describe(a) + " refused: bad file uri " + uri, e);
            }
            if (!Files.exists(path)) {
                throw new java.nio.file.NoSuchFileException(path.toString(), null, "no file at " + uri);
            }
            if (!Files.isRegularFile(path)) {
                throw new CheckpointRefusedException(describe(a) + " refused: " + uri + " is not a regular file");
            }
            try (InputStream in = Files.newInputStream(path)) {
                return copyBounded(a, in, file);
            }
        }
        HttpRequest request =
                HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IOException("GET " + uri + ": " + FailureReasons.of(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointRefusedException(describe(a) + ": interrupted while downloading " + uri, e);
        }
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("GET " + uri + " answered " + response.statusCode());
            }
            OptionalLong length = response.headers().firstValueAsLong("content-length");
            if (length.isPresent() && length.getAsLong() != a.getSizeBytes()) {
                throw new CheckpointRefusedException(describe(a) + " refused: GET " + uri + " sends "
                        + length.getAsLong() + " bytes, the announcement says " + a.getSizeBytes());
            }
            return copyWithinDeadline(a, uri, in, file);
        }
    }

    /**
     * {@link #copyBounded} on a thread of its own, given up at the body's deadline: a blocked read cannot time out
     * by itself, so the reader is interrupted and the stream closed, which drops the connection.
     */
    private String copyWithinDeadline(CheckpointPublished a, URI uri, InputStream in, Path file) throws IOException {
        Duration deadline = bodyDeadline.forSize(a.getSizeBytes());
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "download-" + a.getStudent() + "-v" + a.getVersion());
            t.setDaemon(true);
            return t;
        });
        try {
            return reader.submit(() -> copyBounded(a, in, file)).get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("GET " + uri + ": the body did not arrive within its deadline of "
                    + deadline.toSeconds() + " s for " + a.getSizeBytes() + " bytes; cut off");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io; // a refusal included
            }
            throw new IOException("GET " + uri + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointRefusedException(describe(a) + ": interrupted while downloading " + uri, e);
        } finally {
            reader.shutdownNow();
            in.close();
            awaitStopped(reader);
        }
    }

    /** The reader must be gone before the next attempt writes the same file. */
    private static void awaitStopped(ExecutorService reader) throws IOException {
        try {
            if (!reader.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IOException("a cut-off download did not stop reading within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping a download", e);
        }
    }

    /**
     * Copies {@code in} to {@code file}, reading at most one byte more than the announced size: that byte is not
     * written, and the artifact is refused.
     */
    static String copyBounded(CheckpointPublished a, InputStream in, Path file) throws IOException {
        long size = a.getSizeBytes();
        MessageDigest digest = Sha256.digest();
        byte[] buffer = new byte[64 * 1024];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            int n;
            while ((n = in.read(buffer, 0, BundleUnpacker.readLength(size - written, buffer.length))) > 0) {
                if (written + n > size) {
                    throw new CheckpointRefusedException(describe(a) + " refused: " + a.getUri()
                            + " holds more than the announced " + size + " bytes; stopped reading there");
                }
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
                written += n;
            }
        }
        if (written < size) {
            throw new IOException(
                    "only " + written + " of the announced " + size + " bytes arrived from " + a.getUri());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private void pause(CheckpointPublished a, Duration wait) throws CheckpointRefusedException {
        try {
            if (closed.await(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new CheckpointRefusedException(describe(a) + ": the client was closed while retrying");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointRefusedException(describe(a) + ": interrupted while waiting to retry", e);
        }
    }

    static String describe(CheckpointPublished a) {
        return "checkpoint " + a.getStudent() + " v" + a.getVersion();
    }
}
