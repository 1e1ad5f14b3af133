package io.distill.lm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 as lower-case hex, the form manifests, checkpoint announcements and fingerprints carry. */
public final class Sha256 {
    private Sha256() {}

    /** A fresh digest; every Java runtime has SHA-256. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** Streams {@code file} through sha256 without holding it in memory. */
    public static String hex(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return copy(in, OutputStream.nullOutputStream());
        }
    }

    /** Copies {@code in} to {@code out} and returns the sha256 of the bytes copied. */
    public static String copy(InputStream in, OutputStream out) throws IOException {
        MessageDigest digest = digest();
        new DigestInputStream(in, digest).transferTo(out);
        return HexFormat.of().formatHex(digest.digest());
    }
}
