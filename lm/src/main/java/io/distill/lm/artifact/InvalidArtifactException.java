package io.distill.lm.artifact;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint or bundle directory that must not be loaded: a file missing or failing its sha256, a manifest or
 * file that does not parse, or a model or tokenizer this build cannot use. The message names the directory and the
 * file.
 */
public final class InvalidArtifactException extends IOException {

    private static final long serialVersionUID = 1L;

    public InvalidArtifactException(Path dir, String message) {
        super(dir + ": " + message);
    }

    public InvalidArtifactException(Path dir, String message, Throwable cause) {
        super(dir + ": " + message, cause);
    }
}
