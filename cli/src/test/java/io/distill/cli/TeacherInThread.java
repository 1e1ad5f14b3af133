package io.distill.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;

/**
 * `distill teacher ARGS` in a thread of this JVM, for integration tests (batches wait at most 100 ms); {@link #stop}
 * interrupts it, which the command takes as a clean stop.
 */
final class TeacherInThread {
    private final StringWriter err = new StringWriter();
    private final AtomicInteger exitCode = new AtomicInteger(-1);
    private final Thread thread;

    TeacherInThread(String... args) {
        thread = new Thread(
                () -> {
                    CommandLine cl = Distill.commandLine(Map.of("DISTILL_MAX_WAIT", "100ms"));
                    cl.setOut(new PrintWriter(new StringWriter(), true));
                    cl.setErr(new PrintWriter(err, true));
                    String[] command = new String[args.length + 1];
                    command[0] = "teacher";
                    System.arraycopy(args, 0, command, 1, args.length);
                    exitCode.set(cl.execute(command));
                },
                "teacher-in-thread");
        thread.start();
    }

    /** What the command printed to its error output so far. */
    String err() {
        return err.toString();
    }

    /** Stops the teacher and returns its exit code (-1 if it did not end within a minute). */
    int stop() throws InterruptedException {
        thread.interrupt();
        thread.join(60_000);
        return exitCode.get();
    }
}
