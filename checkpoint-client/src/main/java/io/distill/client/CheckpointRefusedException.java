package io.distill.client;

import java.io.IOException;

/** An announced checkpoint that cannot be trusted or read: a sha256 mismatch, a bad archive, a failed download. */
public final class CheckpointRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointRefusedException(String message) {
        super(message);
    }

    public CheckpointRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
