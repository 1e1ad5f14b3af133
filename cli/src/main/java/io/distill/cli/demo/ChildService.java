package io.distill.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A `distill` command run as a child process, the way it runs in a container: its own JVM, its output in a log
 * file. The demo runs the teacher service and the trainer this way so each gets one core of libtorch threads
 * (OMP_NUM_THREADS=1) instead of both spinning on two, and so it exercises exactly what a user deploys.
 */
public final class ChildService implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ChildService(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * The demo runs the teacher and the trainer side by side, so each child's libtorch gets half the cores: with a
     * thread per core in both, their threads spin at barriers while the other process holds the core, and a
     * training step ran 5x slower here (pretraining beside another job: 246 tokens/s with 2 threads, 1,207 with 1).
     */
    static final int LIBTORCH_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    /**
     * Starts {@code distill <arguments>} with the classpath of this JVM. DISTILL_* variables of the demo's own
     * environment are not passed on, so only the given arguments configure the child.
     */
    static ChildService start(String name, List<String> arguments, Path log, Map<String, String> environment)
            throws IOException {
        return start(name, List.of(), arguments, log, environment);
    }

    /**
     * As {@link #start(String, List, Path, Map)}, with options for the child's JVM (e.g. {@code -Xmx512m}, a
     * container-sized heap, as the integration tests run the services).
     */
    public static ChildService start(
            String name, List<String> jvmOptions, List<String> arguments, Path log, Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-Dai.djl.offline=true");
        command.add("-DOPT_OUT_TRACKING=true"); // no DJL telemetry probe
        command.add("-Dai.djl.pytorch.num_threads=" + LIBTORCH_THREADS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.distill.cli.Distill");
        command.addAll(arguments);
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("DISTILL_"));
        builder.environment().putAll(environment);
        return new ChildService(name, builder.start(), log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    /** Asks the child to stop (SIGTERM, as `docker stop` does) and waits; kills it if it does not stop in time. */
    public int stop(long timeoutSeconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(60);
        }
    }
}
