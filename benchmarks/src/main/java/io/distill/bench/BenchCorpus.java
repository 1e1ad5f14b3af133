package io.distill.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Text for benchmarks that need some and were given none. */
public final class BenchCorpus {
    private BenchCorpus() {}

    /**
     * The default corpus: README.md and docs' wire format and benchmarks pages when run from the project's
     * directory, padded to 10,000 characters with seeded random letters and spaces.
     */
    public static byte[] defaultText() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String name : new String[] {"README.md", "docs/wire-format.md", "docs/benchmarks.md"}) {
            Path file = Path.of(name);
            if (Files.isReadable(file)) {
                sb.append(Files.readString(file, StandardCharsets.UTF_8)).append('\n');
            }
        }
        var random = new SplittableRandom(1);
        while (sb.length() < 10_000) {
            sb.append((char) ('a' + random.nextInt(26)));
            if (random.nextInt(6) == 0) {
                sb.append(' ');
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
