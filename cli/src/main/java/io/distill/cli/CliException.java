package io.distill.cli;

/**
 * A failure the user can act on (a missing file, an unreachable broker, a taken port). The command line prints its
 * message as one line and exits with its code; no stack trace.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit codes, so scripts can tell failures apart. */
    public static final int BAD_INPUT = 2;

    public static final int UNREACHABLE = 3;
    public static final int FAILED = 1;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
