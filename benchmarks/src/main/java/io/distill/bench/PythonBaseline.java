package io.distill.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a PyTorch baseline script as a child process and reads the tokens/s of its {@code RESULT ...
 * tokens_per_s=N} line, the output format of every script in {@code benchmarks/}.
 */
final class PythonBaseline {
    private static final Pattern RESULT = Pattern.compile("RESULT .*tokens_per_s=([0-9.]+)");

    private PythonBaseline() {}

    /** Empty when the script fails (its output is reported on {@code err}) or prints no result. */
    static OptionalDouble tokensPerSecond(List<String> command, PrintWriter err) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                err.println("bench: PyTorch baseline failed: " + output.strip());
                return OptionalDouble.empty();
            }
            Matcher m = RESULT.matcher(output);
            return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
        } catch (IOException e) {
            err.println("bench: cannot run " + command.get(0) + ": " + e.getMessage());
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
    }
}
