// Over 350 lines on purpose: one benchmark driver (bare loop, warm-up, service runs per codec, their records).
package io.distill.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.codec.Codec;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.Pretraining;
import io.distill.lm.train.TextCorpus;
import io.distill.teacher.TeacherConfig;
import io.distill.teacher.TeacherMetrics;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherService;
import io.distill.teacher.TeacherTopology;
import io.distill.teacher.Windowing;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The teacher service's pipeline overhead and wire cost, measured in one run on one machine:
 *
 * <ol>
 *   <li>the bare loop: the same model's forward pass over batches of the same windows, nothing else (no codec, no
 *       Kafka), timed before and after the service runs, averaged;
 *   <li>the service, once per codec: the documents are on the input topic first; then the real {@link
 *       TeacherService} (exactly-once, Avro, state store, top-k or sampling) labels them, and the clock runs from
 *       its first input record to the moment a read_committed consumer has every window;
 *   <li>wire bytes per token of each codec (SoftLabels values, Avro envelope included) next to dense logits: the
 *       vocabulary times 4 bytes (fp32) or 2 (fp16).
 * </ol>
 *
 * A freshly initialised model predicts nearly uniform distributions, the worst case for {@code sampled:N} (all N
 * draws distinct); {@link Options#pretrain} trains it on the corpus first for figures closer to a real teacher.
 */
public final class TeacherBenchmark {

    /**
     * @param windowsPerDoc each document is exactly this many full windows long
     * @param batches full batches of windows to label per run
     * @param corpus text the documents are cut from (non-ASCII bytes become spaces); also the pretraining text
     * @param rounds how often each codec runs through the service; the median run is reported
     * @param pretrain how long to train the model on the corpus first, zero for a random model
     */
    public record Options(
            String size,
            Precision precision,
            int context,
            int maxBatch,
            int windowsPerDoc,
            int batches,
            int warmupBatches,
            float temperature,
            List<Codec> codecs,
            int rounds,
            byte[] corpus,
            Duration pretrain) {}

    /**
     * One codec through the service.
     *
     * @param ratioToBare service tokens/s over the mean of the bare-loop runs just before and after it
     * @param forwardShare of the service's busy time (first input record to last batch), the share spent in the
     *     model's forward pass: the same ratio measured inside one run, so it does not drift with background load
     *     between runs
     * @param labelShare of the same time, the share spent labelling (forward pass and codec)
     * @param forwardTokensPerSecond the forward passes alone inside the service: against the bare loop, whether the
     *     same forward runs slower there
     * @param cpu where the process's CPU went during the run: the stream thread with libtorch's workers, or what
     *     ran beside them
     */
    public record CodecRun(
            Codec codec,
            double tokensPerSecond,
            double ratioToBare,
            double wireBytesPerToken,
            double batchFill,
            double forwardShare,
            double labelShare,
            double forwardTokensPerSecond,
            ThreadCpu.Shares cpu) {}

    /**
     * @param bareRuns tokens/s of every bare-loop run, in order
     * @param runs per codec, the median round (by its ratio to the bare runs around it)
     * @param loadAverages the machine's 1-minute load average at the start and at the end: other processes on
     *     the same cores make every figure here noisy
     */
    public record Result(
            LmConfig config,
            Precision precision,
            int maxBatch,
            int context,
            long windows,
            List<Double> bareRuns,
            List<CodecRun> runs,
            List<Double> loadAverages) {

        public double bareTokensPerSecond() {
            List<Double> sorted = bareRuns.stream().sorted().toList();
            return sorted.get(sorted.size() / 2);
        }

        public double denseFp32BytesPerToken() {
            return 4.0 * config.vocab();
        }

        public double denseFp16BytesPerToken() {
            return 2.0 * config.vocab();
        }
    }

    private TeacherBenchmark() {}

    /**
     * @param kafka client settings for a broker the benchmark may create topics on
     */
    public static Result run(Options o, Properties kafka, PrintStream log) throws Exception {
        LmConfig config = LmConfig.named(o.size());
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = model(o, config, manager, log);
            TeacherModel teacher = new TeacherModel(gpt, "bench-" + o.size(), "bench");
            List<String> docs = documents(o);
            List<int[]> windows = new ArrayList<>();
            for (String doc : docs) {
                windows.addAll(Windowing.cut(ByteTokenizer.get().encode(doc), o.context(), o.context()));
            }
            log.printf("bench: %d documents, %d windows of %d positions%n", docs.size(), windows.size(), o.context());

            bareLoop(gpt, windows, o, o.warmupBatches(), manager);
            // The service warms up too, one untimed run: its first runs compile Kafka's, Streams' and Avro's code,
            // and the JIT compiler's threads take a core from the forward pass meanwhile (a second of CPU in each
            // of the first runs, less in each later one), which a long-running teacher pays once, not per run.
            for (Codec codec : o.codecs()) {
                service(teacher, codec, docs, windows.size(), o, kafka, log);
            }
            // Bare loop and service alternate, so both see the same background load: each service run is
            // compared with the mean of the bare runs just before and just after it; the median over rounds wins.
            double bare = bareLoop(gpt, windows, o, o.batches(), manager);
            log.printf("bench: bare forward loop %.0f tokens/s%n", bare);
            List<Double> bares = new ArrayList<>(List.of(bare));
            Map<Codec, List<CodecRun>> runs = new LinkedHashMap<>();
            for (int round = 0; round < o.rounds(); round++) {
                for (Codec codec : o.codecs()) {
                    CodecRun run = service(teacher, codec, docs, windows.size(), o, kafka, log);
                    double next = bareLoop(gpt, windows, o, o.batches(), manager);
                    double reference = (bare + next) / 2;
                    log.printf(
                            "bench: bare forward loop %.0f tokens/s; %s / bare = %.2f%n",
                            next, codec, run.tokensPerSecond() / reference);
                    runs.computeIfAbsent(codec, c -> new ArrayList<>())
                            .add(new CodecRun(
                                    codec,
                                    run.tokensPerSecond(),
                                    run.tokensPerSecond() / reference,
                                    run.wireBytesPerToken(),
                                    run.batchFill(),
                                    run.forwardShare(),
                                    run.labelShare(),
                                    run.forwardTokensPerSecond(),
                                    run.cpu()));
                    bares.add(next);
                    bare = next;
                }
            }
            List<CodecRun> medians = runs.values().stream()
                    .map(list -> list.stream()
                            .sorted(Comparator.comparingDouble(CodecRun::ratioToBare))
                            .toList()
                            .get(list.size() / 2))
                    .toList();
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return new Result(
                    config,
                    o.precision(),
                    o.maxBatch(),
                    o.context(),
                    windows.size(),
                    bares,
                    medians,
                    List.of(loadBefore, loadAfter));
        }
    }

    private static Gpt model(Options o, LmConfig config, NDManager manager, PrintStream log) {
        if (o.pretrain().isZero()) {
            Engine.getInstance().setRandomSeed(0);
            return Gpt.create(config, o.precision(), manager);
        }
        log.printf("bench: pretraining %s on the corpus for %s first%n", o.size(), o.pretrain());
        var options = new Pretraining.Options(
                config, o.precision(), 8, 1e-3f, 20, o.pretrain(), 0, o.pretrain(), 8192, Optional.empty(), 0);
        return Pretraining.run(TextCorpus.of(o.corpus(), 0.05), options, manager, new Pretraining.Listener() {
            @Override
            public void stepped(Pretraining.Progress progress) {}

            @Override
            public void evaluated(long step, double holdoutBitsPerByte) {
                log.printf("bench: pretrained %d steps, holdout %.3f bits/byte%n", step, holdoutBitsPerByte);
            }
        });
    }

    /** Documents of exactly {@code windowsPerDoc} full windows, cut from the corpus (made ASCII) in turn. */
    static List<String> documents(Options o) {
        byte[] text = o.corpus().clone();
        for (int i = 0; i < text.length; i++) {
            if (text[i] < 0x20 && text[i] != '\n' || text[i] < 0) {
                text[i] = ' ';
            }
        }
        int docBytes = o.windowsPerDoc() * o.context() + 1;
        int count = (o.batches() * o.maxBatch() + o.windowsPerDoc() - 1) / o.windowsPerDoc();
        List<String> docs = new ArrayList<>(count);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < count; i++) {
            byte[] doc = new byte[docBytes];
            int start = random.nextInt(Math.max(1, text.length));
            for (int j = 0; j < docBytes; j++) {
                doc[j] = text[(start + j) % text.length];
            }
            docs.add(new String(doc, StandardCharsets.US_ASCII));
        }
        return docs;
    }

    /**
     * Tokens per second of the forward pass alone over {@code batches} batches of the windows' inputs, on a fresh
     * thread as the service's stream thread is (libtorch's threading differs between threads), no-grad.
     */
    static double bareLoop(Gpt gpt, List<int[]> windows, Options o, int batches, NDManager manager) {
        double[] tokensPerSecond = new double[1];
        RuntimeException[] failure = new RuntimeException[1];
        Thread thread = new Thread(
                () -> {
                    try {
                        tokensPerSecond[0] = forwardLoop(gpt, windows, o, batches, manager);
                    } catch (RuntimeException e) {
                        failure[0] = e;
                    }
                },
                "bare-forward-loop");
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return tokensPerSecond[0];
    }

    @SuppressWarnings("try")
    private static double forwardLoop(Gpt gpt, List<int[]> windows, Options o, int batches, NDManager manager) {
        int b = o.maxBatch();
        int t = o.context();
        long start = System.nanoTime();
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (int i = 0; i < batches; i++) {
                long[] inputs = new long[b * t];
                for (int r = 0; r < b; r++) {
                    int[] window = windows.get((i * b + r) % windows.size());
                    for (int j = 0; j < t; j++) {
                        inputs[r * t + j] = window[j];
                    }
                }
                try (NDManager scope = manager.newSubManager()) {
                    NDArray tokens = scope.create(inputs, new Shape(b, t)); // (B, T)
                    gpt.logits(new ParameterStore(scope, false), tokens, false); // (B, T, V), computed eagerly
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return (double) batches * b * t / seconds;
    }

    private static CodecRun service(
            TeacherModel teacher,
            Codec codec,
            List<String> docs,
            int windows,
            Options o,
            Properties kafka,
            PrintStream log)
            throws Exception {
        String run = "bench-" + codec.toString().replace(':', '-') + "-" + System.currentTimeMillis();
        TeacherConfig config = TeacherConfig.builder()
                .inputTopic(run + ".text")
                .outputTopic(run + ".soft-labels")
                .deadLetterTopic(run + ".dead-letters")
                .codec(codec)
                .temperature(o.temperature())
                .context(o.context())
                .maxBatch(o.maxBatch())
                .maxWait(Duration.ofMillis(100))
                .build();
        TeacherBenchKafka.createTopics(
                kafka, List.of(config.inputTopic(), config.outputTopic(), config.deadLetterTopic()));
        TeacherBenchKafka.produce(kafka, config.inputTopic(), docs);
        try (TeacherService service = new TeacherService(new TeacherService.Options(run, config, kafka, 0))) {
            ThreadCpu.Snapshot cpuBefore = ThreadCpu.take();
            service.start(teacher);
            TeacherBenchKafka.Visibility visible =
                    TeacherBenchKafka.awaitCommitted(kafka, config.outputTopic(), windows, Duration.ofMinutes(30));
            ThreadCpu.Shares cpu = ThreadCpu.between(cpuBefore, ThreadCpu.take(), run); // its threads still alive
            TeacherMetrics m = service.metrics();
            // Every window is full: each record is o.context() labelled tokens.
            double steadySeconds = (visible.lastNanos() - visible.firstNanos()) / 1e9;
            double tokensPerSecond = (double) (visible.count() - visible.firstCount()) * o.context() / steadySeconds;
            // The stream threads' forward passes run side by side: their time adds up over the threads, so shares of
            // the busy time are per thread, and the forward passes alone would run threads times one's rate.
            int threads = Integer.parseInt(kafka.getProperty(
                    StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(TeacherTopology.defaultStreamThreads())));
            double busySeconds = m.busySeconds() * threads; // first record to last batch
            double forwardTokensPerSecond = (double) windows * o.context() * threads / m.forwardSeconds();
            log.printf(
                    "bench: service %s, %d stream threads, %.0f tokens/s (its forward passes alone %.0f tokens/s),"
                            + " %.1f wire bytes/token,"
                            + " batch fill %.2f; CPU: stream thread and libtorch %.1f%%, JIT %.1f%%, GC %.1f%%,"
                            + " other %.1f%%%n",
                    codec,
                    threads,
                    tokensPerSecond,
                    forwardTokensPerSecond,
                    m.wireBytesPerToken(),
                    m.batchFill(),
                    100 * cpu.forward(),
                    100 * cpu.jit(),
                    100 * cpu.gc(),
                    100 * cpu.other());
            return new CodecRun(
                    codec,
                    tokensPerSecond,
                    Double.NaN, // filled in by the caller, who has the bare runs around it
                    m.wireBytesPerToken(),
                    m.batchFill(),
                    m.forwardSeconds() / busySeconds,
                    m.labelSeconds() / busySeconds,
                    forwardTokensPerSecond,
                    cpu);
        }
    }
}
