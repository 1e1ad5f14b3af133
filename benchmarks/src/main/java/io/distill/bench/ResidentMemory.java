package io.distill.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident set size, which counts libtorch's native memory that the JVM heap figures miss. */
public final class ResidentMemory {
    private ResidentMemory() {}

    /** VmRSS from /proc/self/status in MiB, or -1 where that file does not exist. */
    public static long mebibytes() {
        try (var lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("VmRSS:"))
                    .findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024)
                    .orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
