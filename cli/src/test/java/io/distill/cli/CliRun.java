package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the distill command line in-process and captures what it prints. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var commandLine = Distill.commandLine(environment);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new CliRun(exitCode, out.toString(), err.toString());
    }

    static CliRun of(String... args) {
        return of(Map.of(), args);
    }

    /**
     * Writes {@code count} lines "Line i{@code suffix}" to {@code file}, feeds them to {@code topic} with `distill
     * feed` and returns them; fails the test if the feed fails.
     */
    static List<String> feedLines(String bootstrap, String topic, Path file, int count, String suffix)
            throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add("Line " + i + suffix);
        }
        Files.write(file, lines);
        CliRun fed = of("feed", "--bootstrap", bootstrap, "--topic", topic, file.toString());
        assertEquals(0, fed.exitCode(), fed.err());
        return lines;
    }

    /** The error output as lines, for checking that a failure is told in one line. */
    String[] errLines() {
        return err.strip().isEmpty() ? new String[0] : err.strip().split("\n");
    }
}
