package io.distill.client;

import ai.djl.ndarray.NDManager;
import io.distill.lm.artifact.FileTrees;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.model.Gpt;
import io.distill.schemas.CheckpointPublished;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Consumes published student checkpoints: reads the compacted announcement topic ({@code distill.checkpoints}, keyed
 * by student) from the beginning ({@link Announcements}), downloads an artifact by its URI and checks its size and
 * sha256 against the announcement before anything else reads it ({@link ArtifactFetcher}), unpacks it within bounds
 * ({@link BundleUnpacker}) and loads it with {@link ModelBundle#load}.
 *
 * <pre>{@code
 * try (CheckpointClient client = new CheckpointClient(kafka, Topics.CHECKPOINTS, Path.of("models"))) {
 *     client.followModels("student-1m", model -> current.getAndSet(model), error -> log.warn(...));
 * }
 * }</pre>
 *
 * <p>By default {@code kafka://} artifacts (chunks on {@code distill.checkpoint-artifacts}, read with the same client
 * settings, so nothing but Kafka access is needed) and {@code http(s)://} ones are followed ({@link
 * DownloadPolicy#defaults}); a trainer with {@code --artifact-store http} and no HTTP server announces {@code
 * file://} URIs, which need {@link DownloadPolicy#withFileUris}. The follow methods block until
 * {@link #close} is called from another thread.
 */
public final class CheckpointClient implements AutoCloseable {
    private final Path workDir;
    private final DownloadPolicy policy;
    private final Announcements announcements;
    private final ArtifactFetcher fetcher;

    /** A client with {@link DownloadPolicy#defaults}: http(s) artifacts only. */
    public CheckpointClient(Properties kafka, String topic, Path workDir) {
        this(kafka, topic, workDir, DownloadPolicy.defaults());
    }

    /**
     * @param kafka client settings, bootstrap.servers included (security settings pass through)
     * @param topic the announcement topic
     * @param workDir where downloaded checkpoints are unpacked, one directory per student and version
     * @param policy what may be downloaded and unpacked
     */
    public CheckpointClient(Properties kafka, String topic, Path workDir, DownloadPolicy policy) {
        this.workDir = workDir;
        this.policy = policy;
        this.announcements = new Announcements(kafka, topic);
        this.fetcher = new ArtifactFetcher(policy, kafka);
    }

    /** The newest announcement of every student (or of {@code student} only), as the topic holds them now. */
    public Map<String, CheckpointPublished> latest(Optional<String> student, Duration timeout) {
        return announcements.latest(student, timeout);
    }

    /**
     * Calls {@code handler} with the newest announcement of each student (or of {@code student}) as the topic holds
     * them, then with every newer one as it arrives, until {@link #close}. A record whose key is not its student is
     * skipped; older versions of a student than one already handed over are skipped.
     */
    public void follow(Optional<String> student, Consumer<CheckpointPublished> handler) {
        announcements.follow(student, handler);
    }

    /**
     * Hot reload: follows {@code student}'s announcements and loads each newer checkpoint; hands the new model to
     * {@code onModel}, then closes the previous one (so the callback must have swapped it out by the time it
     * returns). A checkpoint that fails (download, sha256, unpacking, loading) goes to {@code onError} and the
     * current model stays. Blocks until {@link #close}.
     */
    public void followModels(String student, Consumer<LoadedModel> onModel, Consumer<Exception> onError) {
        LoadedModel[] current = {null};
        follow(Optional.of(student), announcement -> {
            LoadedModel next;
            try {
                next = load(announcement);
            } catch (IOException | RuntimeException e) {
                onError.accept(e);
                return;
            }
            onModel.accept(next);
            if (current[0] != null) {
                current[0].close(); // the callback has swapped it out
            }
            current[0] = next; // the newest stays open: it belongs to the callback's owner now
        });
    }

    /** Downloads, verifies, unpacks and loads one checkpoint; the caller closes the result. */
    public LoadedModel load(CheckpointPublished announcement) throws IOException {
        Path dir = pull(announcement, workDir);
        NDManager manager = NDManager.newBaseManager();
        try {
            Gpt model = ModelBundle.load(dir, manager);
            return new LoadedModel(announcement, dir, model, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw new CheckpointRefusedException(
                    ArtifactFetcher.describe(announcement) + " refused: cannot load the bundle: " + e.getMessage(), e);
        }
    }

    /**
     * Downloads the artifact, verifies its sha256 and size, and unpacks it into {@code outDir/<student>/<version>}
     * (replacing an earlier copy). Nothing is unpacked when the hash does not match; a refused artifact leaves
     * nothing behind.
     *
     * @return the bundle directory
     * @throws CheckpointRefusedException on a refused URI, a hash or size mismatch, a download that failed every
     *     attempt, or a bad archive
     */
    public Path pull(CheckpointPublished announcement, Path outDir) throws IOException {
        if (!BundleUnpacker.isSafeName(announcement.getStudent())) {
            throw new CheckpointRefusedException("refusing student name '" + announcement.getStudent() + "'");
        }
        Path studentDir = outDir.resolve(announcement.getStudent());
        Files.createDirectories(studentDir);
        String tmpName = ".tmp-" + UUID.randomUUID();
        Path download = studentDir.resolve(tmpName + ".zip");
        Path unpacked = studentDir.resolve(tmpName);
        Path target = studentDir.resolve(Long.toString(announcement.getVersion()));
        try {
            fetcher.fetch(announcement, download);
            new BundleUnpacker(policy.unpackedLimit(announcement.getSizeBytes()), policy.maxEntries())
                    .unzip(download, unpacked);
            FileTrees.deleteRecursively(target);
            Files.move(unpacked, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            Files.deleteIfExists(download);
            FileTrees.deleteRecursively(unpacked);
        }
    }

    /** Stops a running follow and any wait between download attempts. */
    @Override
    public void close() {
        fetcher.close();
        announcements.close();
    }
}
