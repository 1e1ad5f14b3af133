package io.distill.lm.artifact;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Checkpoint directories exist but none verifies: starting at step 0 would silently abandon that history, so the
 * trainer refuses unless told to start fresh. The message is one line naming each directory and what is wrong.
 */
public final class UnverifiedCheckpointsException extends IOException {

    private static final long serialVersionUID = 1L;

    UnverifiedCheckpointsException(Path root, List<String> problems) {
        super("refusing to start fresh: " + problems.size() + " checkpoint director"
                + (problems.size() == 1 ? "y" : "ies") + " in " + root + " and none verifies ("
                + String.join("; ", problems) + "); repair or move them, or pass --start-fresh to train from step 0"
                + " (they are then moved to " + root.resolve(CheckpointStore.QUARANTINE) + ", not deleted)");
    }
}
