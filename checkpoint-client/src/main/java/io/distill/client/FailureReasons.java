package io.distill.client;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * Names why an I/O attempt failed in a few words. The JDK's HTTP client reports a refused connection as a {@code
 * ConnectException} without a message, which would otherwise print as {@code null}.
 */
public final class FailureReasons {
    private FailureReasons() {}

    /**
     * The failure's own message when it has one; else what its cause chain says, e.g. {@code connection refused},
     * {@code unknown host foo}, or the first message found; else the exception's class name. Never null.
     */
    public static String of(Throwable failure) {
        if (failure.getMessage() != null && !failure.getMessage().isBlank()) {
            return failure.getMessage();
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof HttpConnectTimeoutException) {
                return "connection timed out";
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer in time";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return failure.getClass().getSimpleName();
    }
}
