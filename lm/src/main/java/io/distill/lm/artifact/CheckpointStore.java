package io.distill.lm.artifact;

import io.distill.lm.model.Gpt;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of one training run under a root directory, one {@link Checkpoint} directory per save, named
 * {@code step-000000001234} so that name order is step order. Keeps the newest {@code keep}.
 *
 * <p>Resuming: {@code store.latest()} is the newest checkpoint that verifies (a corrupted or half-written one is
 * logged and skipped), and {@link Checkpoint#restore} loads it into a fresh model and optimizer.
 *
 * <p>One writer per root: the store deletes temporary directories left by a crash when it is opened.
 */
public final class CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("step-\\d{12}");

    private final Path root;
    private final int keep;

    /**
     * @param root directory holding the checkpoints; created if missing
     * @param keep how many of the newest checkpoints to keep after each save, at least 1
     */
    public CheckpointStore(Path root, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        this.root = root;
        this.keep = keep;
        Files.createDirectories(root);
        ArtifactWriter.deleteLeftovers(root);
    }

    public Path root() {
        return root;
    }

    /** The directory name for a checkpoint after {@code step} steps: {@code step-} and 12 digits. */
    public static String directoryName(long step) {
        if (step < 0 || step > 999_999_999_999L) {
            throw new IllegalArgumentException("step must be in [0, 10^12), got " + step);
        }
        return String.format("step-%012d", step);
    }

    /** As {@link #save(Gpt, CompanionFiles, AdamW, TrainingState)} for the own byte-level models. */
    public Artifact save(Gpt model, AdamW optimizer, TrainingState state) throws IOException {
        return save(model, CompanionFiles.BYTE_LEVEL, optimizer, state);
    }

    /**
     * Writes a checkpoint named after {@code state.step()} (replacing one of the same step, e.g. a shutdown save
     * after a periodic one whose offsets have moved since), then deletes all but the newest {@code keep}.
     *
     * <p>Checkpoints of later steps than this one are deleted too, with a warning: they belong to a history the
     * trainer has abandoned (it resumed from an older checkpoint, usually because they did not verify), and
     * keeping them would make {@link #latest} jump back onto that history, or make retention delete the
     * checkpoint just written.
     */
    public Artifact save(Gpt model, CompanionFiles companions, AdamW optimizer, TrainingState state)
            throws IOException {
        String name = directoryName(state.step());
        Artifact saved = Checkpoint.write(root.resolve(name), model, companions, optimizer, state);
        List<Path> kept = new ArrayList<>();
        for (Path dir : checkpoints()) {
            if (dir.getFileName().toString().compareTo(name) > 0) {
                LOG.warn("deleting checkpoint {}: it is newer than the one just saved ({})", dir, name);
                ArtifactWriter.deleteRecursively(dir);
            } else {
                kept.add(dir);
            }
        }
        for (Path old : kept.subList(0, Math.max(0, kept.size() - keep))) {
            LOG.info("deleting old checkpoint {}", old);
            ArtifactWriter.deleteRecursively(old);
        }
        return saved;
    }

    /**
     * The newest checkpoint whose every file matches its manifest, or empty when there is none. Newer ones that
     * fail (corrupted, half-written, missing files) are skipped with a warning; they are not deleted, so they can
     * be inspected.
     */
    public Optional<Path> latest() throws IOException {
        List<Path> newestFirst = new ArrayList<>(checkpoints());
        Collections.reverse(newestFirst);
        for (Path dir : newestFirst) {
            try {
                ArtifactReader.open(
                                dir,
                                Manifest.CHECKPOINT,
                                ModelDescription.FILE,
                                Checkpoint.WEIGHTS,
                                Checkpoint.OPTIMIZER,
                                TrainingState.FILE)
                        .verifyAll();
                return Optional.of(dir);
            } catch (InvalidArtifactException e) {
                LOG.warn("skipping checkpoint that does not verify: {}", e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Checkpoint directories by name (so by step), oldest first, without verifying them. */
    public List<Path> checkpoints() throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(Files::isDirectory)
                    .sorted()
                    .toList();
        }
    }
}
