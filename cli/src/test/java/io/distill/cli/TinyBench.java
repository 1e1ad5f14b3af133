package io.distill.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The setup of the tests of the benchmarks that distil: a small repetitive corpus, a tiny teacher, a tiny student. */
final class TinyBench {
    private TinyBench() {}

    /** Writes the corpus into {@code dir}. */
    static Path corpus(Path dir) throws IOException {
        return Files.writeString(
                dir.resolve("corpus.txt"),
                "the cat sat on the mat. the dog sat on the log. ".repeat(400),
                StandardCharsets.UTF_8);
    }

    /** {@code bench COMMAND} on the corpus with a tiny teacher pretrained for a second and a tiny student. */
    static CliRun run(String command, Path corpus, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "bench",
                command,
                "--corpus",
                corpus.toString(),
                "--teacher-size",
                "tiny",
                "--pretrain",
                "1s",
                "--size",
                "tiny"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }
}
