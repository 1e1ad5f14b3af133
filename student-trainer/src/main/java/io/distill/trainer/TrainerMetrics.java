package io.distill.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the trainer reports over HTTP: written by the training thread, read by the server's threads. Each figure is
 * published on its own (no snapshot across them); that is what a scrape needs.
 */
public final class TrainerMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String student;
    private final AtomicLong deadLettersTotal = new AtomicLong();
    private final Map<String, AtomicLong> deadLetters = new ConcurrentHashMap<>();
    private final AtomicLong heldOut = new AtomicLong();
    private final AtomicLong windowsTrained = new AtomicLong();
    private final AtomicLong checkpointsSaved = new AtomicLong();
    private final AtomicLong checkpointsPublished = new AtomicLong();
    private final AtomicLong checkpointsHeldBack = new AtomicLong();
    private volatile long step;
    private volatile long tokens;
    private volatile float loss = Float.NaN;
    private volatile float kd = Float.NaN;
    private volatile float ce = Float.NaN;
    private volatile float lossScale = 1f;
    private volatile double tokensPerSecond;
    private volatile long lag = -1;
    private volatile long lastPublishedVersion = -1;
    private volatile Map<String, Double> holdout = Map.of();
    private volatile boolean running;

    public TrainerMetrics(String student) {
        this.student = student;
    }

    void stepped(long stepCount, long tokensSeen, float lossValue, float kdValue, float ceValue, float scale) {
        step = stepCount;
        tokens = tokensSeen;
        loss = lossValue;
        kd = kdValue;
        ce = ceValue;
        lossScale = scale;
    }

    void trainedWindows(int count) {
        windowsTrained.addAndGet(count);
    }

    void restored(long stepCount, long tokensSeen, float scale) {
        step = stepCount;
        tokens = tokensSeen;
        lossScale = scale;
    }

    void throughput(double value) {
        tokensPerSecond = value;
    }

    void lag(long value) {
        lag = value;
    }

    void deadLetter(String reason) {
        deadLettersTotal.incrementAndGet();
        deadLetters.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    void heldOut() {
        heldOut.incrementAndGet();
    }

    void checkpointSaved() {
        checkpointsSaved.incrementAndGet();
    }

    void published(long version, Map<String, Double> figures) {
        checkpointsPublished.incrementAndGet();
        lastPublishedVersion = version;
        holdout = Map.copyOf(figures);
    }

    void heldBack(Map<String, Double> figures) {
        checkpointsHeldBack.incrementAndGet();
        holdout = Map.copyOf(figures);
    }

    void running(boolean value) {
        running = value;
    }

    public boolean isRunning() {
        return running;
    }

    public long step() {
        return step;
    }

    public long tokens() {
        return tokens;
    }

    public long deadLetters() {
        return deadLettersTotal.get();
    }

    public long deadLetters(String reason) {
        AtomicLong n = deadLetters.get(reason);
        return n == null ? 0 : n.get();
    }

    /** Windows trained on by this process (after a restart, counting from the restart). */
    public long windowsTrained() {
        return windowsTrained.get();
    }

    public long heldOutRecords() {
        return heldOut.get();
    }

    public long checkpointsPublished() {
        return checkpointsPublished.get();
    }

    public long checkpointsHeldBack() {
        return checkpointsHeldBack.get();
    }

    public float lastKd() {
        return kd;
    }

    public float lastCe() {
        return ce;
    }

    /** The Prometheus text exposition format, version 0.0.4. */
    public String prometheus() {
        StringBuilder sb = new StringBuilder();
        String labels = "{student=\"" + student + "\"}";
        counter(sb, "distill_trainer_steps_total", "Optimisation steps taken.", labels, step);
        counter(sb, "distill_trainer_tokens_total", "Token positions trained on.", labels, tokens);
        gauge(sb, "distill_trainer_loss", "Training loss of the last step.", labels, loss);
        gauge(sb, "distill_trainer_kd_loss", "Distillation term of the last step (no T^2).", labels, kd);
        gauge(sb, "distill_trainer_ce_loss", "Hard-label cross-entropy of the last step, nats.", labels, ce);
        gauge(sb, "distill_trainer_loss_scale", "Dynamic loss scale (1 when off).", labels, lossScale);
        gauge(sb, "distill_trainer_tokens_per_second", "Recent training throughput.", labels, tokensPerSecond);
        gauge(sb, "distill_trainer_consumer_lag", "Records behind the end of the input (-1: unknown).", labels, lag);
        counter(
                sb,
                "distill_trainer_windows_total",
                "Windows trained on by this process.",
                labels,
                windowsTrained.get());
        counter(sb, "distill_trainer_held_out_total", "Held-out records (never trained on).", labels, heldOut.get());
        header(sb, "distill_trainer_dead_letters_total", "Records sent to the dead-letter topic.", "counter");
        new TreeMap<>(deadLetters).forEach((reason, n) -> sb.append("distill_trainer_dead_letters_total{student=\"")
                .append(student)
                .append("\",reason=\"")
                .append(reason)
                .append("\"} ")
                .append(n.get())
                .append('\n'));
        counter(sb, "distill_trainer_checkpoints_saved_total", "Checkpoints saved.", labels, checkpointsSaved.get());
        counter(
                sb,
                "distill_trainer_checkpoints_published_total",
                "Checkpoints published.",
                labels,
                checkpointsPublished.get());
        counter(
                sb,
                "distill_trainer_checkpoints_held_back_total",
                "Checkpoints the publish gate held back.",
                labels,
                checkpointsHeldBack.get());
        header(sb, "distill_trainer_holdout", "Figures of the last evaluated checkpoint.", "gauge");
        new TreeMap<>(holdout).forEach((name, value) -> sb.append("distill_trainer_holdout{student=\"")
                .append(student)
                .append("\",metric=\"")
                .append(name)
                .append("\"} ")
                .append(number(value))
                .append('\n'));
        return sb.toString();
    }

    /** The /status document. */
    public String statusJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("student", student);
        o.put("running", running);
        o.put("step", step);
        o.put("tokens", tokens);
        o.put("loss", loss);
        o.put("kdLoss", kd);
        o.put("ceLoss", ce);
        o.put("lossScale", lossScale);
        o.put("tokensPerSecond", tokensPerSecond);
        o.put("consumerLag", lag);
        o.put("deadLetters", deadLettersTotal.get());
        o.put("heldOutRecords", heldOut.get());
        o.put("checkpointsPublished", checkpointsPublished.get());
        o.put("lastPublishedVersion", lastPublishedVersion);
        ObjectNode h = o.putObject("holdout");
        new TreeMap<>(holdout).forEach(h::put);
        return o.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, String labels, double value) {
        header(sb, name, help, "counter");
        sb.append(name).append(labels).append(' ').append(number(value)).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, String labels, double value) {
        header(sb, name, help, "gauge");
        sb.append(name).append(labels).append(' ').append(number(value)).append('\n');
    }

    private static void header(StringBuilder sb, String name, String help, String type) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.6g", v);
    }
}
