package io.distill.trainer;

import ai.djl.ndarray.NDManager;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.train.TrainingState;
import io.distill.schemas.CheckpointPublished;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each saved checkpoint that has new steps: measures the model on the held-out windows, lets the {@link
 * PublishGate} hold back one that got clearly worse, else hands it to the {@link Publisher} with the figures in the
 * announcement's metrics.
 */
final class GatedPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(GatedPublisher.class);

    private final TrainerConfig config;
    private final Publisher publisher;
    private final Gpt model;
    private final NDManager manager;
    private final HoldoutSet holdoutSet;
    private final TrainerMetrics metrics;
    private final PublishGate gate;
    private long lastPublishedVersion;

    GatedPublisher(
            TrainerConfig config,
            Publisher publisher,
            Gpt model,
            NDManager manager,
            HoldoutSet holdoutSet,
            TrainerMetrics metrics)
            throws IOException {
        this.config = config;
        this.publisher = publisher;
        this.model = model;
        this.manager = manager;
        this.holdoutSet = holdoutSet;
        this.metrics = metrics;
        this.gate = new PublishGate(config.publishMaxRegressionPercent());
        this.lastPublishedVersion = publisher.lastVersion();
    }

    /** Publishes the model as version {@code state.step()} unless that version, or a later one, exists. */
    void publishIfNew(TrainingState state) throws IOException, InterruptedException {
        if (state.step() > 0 && state.step() > lastPublishedVersion) {
            publish(state);
        }
    }

    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    private void publish(TrainingState state) throws IOException, InterruptedException {
        Optional<Evaluator.Metrics> figures = Evaluator.evaluate(
                model, config.origin().tokenizer(), manager, holdoutSet.snapshot(), config.batchSize());
        Map<String, Double> map = figures.map(Evaluator.Metrics::asMap).orElse(Map.of());
        OptionalDouble bpb =
                figures.map(f -> OptionalDouble.of(f.bitsPerByte())).orElse(OptionalDouble.empty());
        PublishGate.Decision decision = gate.decide(bpb);
        if (!decision.publish()) {
            metrics.heldBack(map);
            LOG.warn("checkpoint step {} held back by the publish gate: {}", state.step(), decision.reason());
            return;
        }
        CheckpointPublished announcement;
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            announcement = publisher.publish(model, state.step(), state.tokensSeen(), map);
        }
        gate.published(bpb);
        lastPublishedVersion = state.step();
        metrics.published(state.step(), map);
        LOG.info(
                "published {} version {} ({} bytes, sha256 {}) at {}: {}",
                config.student(),
                announcement.getVersion(),
                announcement.getSizeBytes(),
                announcement.getSha256().substring(0, 12),
                announcement.getUri(),
                describe(figures));
    }

    private static String describe(Optional<Evaluator.Metrics> figures) {
        if (figures.isEmpty()) {
            return "no held-out windows yet";
        }
        Evaluator.Metrics m = figures.get();
        return String.format(
                Locale.ROOT,
                "holdout %.4f bits/byte, KL to teacher %s, top-1 agreement %.3f, teacher %s bits/byte (%d windows)",
                m.bitsPerByte(),
                orDash(m.klToTeacher()),
                m.top1Agreement(),
                orDash(m.teacherBitsPerByte()),
                m.windows());
    }

    private static String orDash(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.4f", value.getAsDouble()) : "-";
    }
}
