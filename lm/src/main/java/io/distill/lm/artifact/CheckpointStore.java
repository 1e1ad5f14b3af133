package io.distill.lm.artifact;

import io.distill.lm.model.Gpt;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * <p>Resuming: {@link #resumable} is the newest checkpoint that verifies, and {@link Checkpoint#restore} loads it
 * into a fresh model and optimizer. Newer ones that do not verify are moved into {@code quarantine/}, never deleted;
 * when checkpoint directories exist but none verifies, {@link #resumable} refuses to start fresh unless told to.
 *
 * <p>One writer per root: when it is opened, the store recovers a checkpoint whose replace a crash interrupted and
 * deletes what is left of incomplete writes.
 */
public final class CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("step-\\d{12}");
    /** Where checkpoints that do not verify, or that an older resume abandoned, are moved; never deleted. */
    public static final String QUARANTINE = "quarantine";

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
        recoverInterruptedWrites();
    }

    /**
     * Puts back what a crash in the middle of {@link ArtifactWriter#commit} left: a replace renames the existing
     * checkpoint to {@code .old-<name>-<id>}, then the complete temporary directory {@code .tmp-<name>-<id>} to
     * {@code <name>}. A crash between the two leaves no {@code <name>}, and possibly the only checkpoint in those
     * two directories. The complete temporary directory (its manifest is written and fsynced last, so it verifies)
     * is renamed into place; failing that the set-aside one goes back. Only then are leftovers removed: temporary
     * directories that never completed, and set-aside ones whose replacement is in place.
     */
    private void recoverInterruptedWrites() throws IOException {
        List<Path> temps = leftovers(ArtifactWriter.TEMP_PREFIX);
        for (Path temp : temps) {
            Path target = root.resolve(targetName(temp, ArtifactWriter.TEMP_PREFIX));
            if (!Files.exists(target) && problem(temp).isEmpty()) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                LOG.warn("recovered checkpoint {} from {}, written completely before a crash", target, temp);
            }
        }
        for (Path old : leftovers(ArtifactWriter.OLD_PREFIX)) {
            Path target = root.resolve(targetName(old, ArtifactWriter.OLD_PREFIX));
            if (!Files.exists(target)) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                LOG.warn("restored checkpoint {} from {}: its replacement never completed", target, old);
            }
        }
        ArtifactWriter.deleteLeftovers(root);
    }

    /** Leftover directories of {@code prefix} whose name is a checkpoint's, {@code <prefix><name>-<8 chars>}. */
    private List<Path> leftovers(String prefix) throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(Files::isDirectory)
                    .filter(p -> {
                        String name = p.getFileName().toString();
                        return name.startsWith(prefix)
                                && name.length() > prefix.length() + 9
                                && NAME.matcher(targetName(p, prefix)).matches();
                    })
                    .sorted()
                    .toList();
        }
    }

    private static String targetName(Path leftover, String prefix) {
        String name = leftover.getFileName().toString();
        return name.substring(prefix.length(), name.length() - 9); // "-" and an 8-character id
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
     * <p>Checkpoints of later steps than this one are moved into {@code quarantine/}, with a warning: they belong
     * to a history the trainer has abandoned (it resumed from an older checkpoint), and keeping them in place
     * would make {@link #latest} jump back onto that history, or make retention delete the checkpoint just
     * written.
     */
    public Artifact save(Gpt model, CompanionFiles companions, AdamW optimizer, TrainingState state)
            throws IOException {
        String name = directoryName(state.step());
        Artifact saved = Checkpoint.write(root.resolve(name), model, companions, optimizer, state);
        List<Path> kept = new ArrayList<>();
        for (Path dir : checkpoints()) {
            if (dir.getFileName().toString().compareTo(name) > 0) {
                Path moved = quarantine(dir);
                LOG.warn("moved checkpoint {} to {}: it is newer than the one just saved ({})", dir, moved, name);
            } else {
                kept.add(dir);
            }
        }
        for (Path old : kept.subList(0, Math.max(0, kept.size() - keep))) {
            LOG.info("deleting old checkpoint {}", old);
            FileTrees.deleteRecursively(old);
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
            Optional<String> problem = problem(dir);
            if (problem.isEmpty()) {
                return Optional.of(dir);
            }
            LOG.warn("skipping checkpoint that does not verify: {}: {}", dir, problem.get());
        }
        return Optional.empty();
    }

    /**
     * The checkpoint a trainer starting now resumes from: the newest that verifies, after moving every newer one
     * (which does not verify) into {@code quarantine/}. Empty when there are no checkpoint directories, or when
     * there are some, none verifies and {@code startFresh} is set (they are quarantined too).
     *
     * @throws UnverifiedCheckpointsException when checkpoint directories exist, none verifies and {@code startFresh}
     *     is not set; nothing is moved then
     */
    public Optional<Path> resumable(boolean startFresh) throws IOException {
        List<Path> newestFirst = new ArrayList<>(checkpoints());
        Collections.reverse(newestFirst);
        List<Path> failed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Path found = null;
        for (Path dir : newestFirst) {
            Optional<String> problem = problem(dir);
            if (problem.isEmpty()) {
                found = dir;
                break;
            }
            failed.add(dir);
            problems.add(dir.getFileName() + ": " + problem.get());
        }
        if (found == null && !failed.isEmpty() && !startFresh) {
            throw new UnverifiedCheckpointsException(root, problems);
        }
        for (int i = 0; i < failed.size(); i++) {
            Path moved = quarantine(failed.get(i));
            LOG.warn("checkpoint does not verify, moved to {}: {}", moved, problems.get(i));
        }
        return Optional.ofNullable(found);
    }

    /** Why a checkpoint directory cannot be resumed from, on one line, or empty when every file verifies. */
    private static Optional<String> problem(Path dir) {
        try {
            ArtifactReader.open(
                            dir,
                            Manifest.CHECKPOINT,
                            ModelDescription.FILE,
                            Checkpoint.WEIGHTS,
                            Checkpoint.OPTIMIZER,
                            TrainingState.FILE)
                    .verifyAll();
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            String prefix = dir + ": ";
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
            return Optional.of(message.replaceAll("\\s+", " "));
        }
    }

    /** Moves a checkpoint directory into {@code quarantine/} under a name not yet taken there; returns where. */
    private Path quarantine(Path dir) throws IOException {
        Path quarantine = Files.createDirectories(root.resolve(QUARANTINE));
        Path target = quarantine.resolve(dir.getFileName());
        for (int n = 1; Files.exists(target); n++) {
            target = quarantine.resolve(dir.getFileName() + "." + n);
        }
        Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
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
