package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.TrainStep;
import io.distill.schemas.SoftLabels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a step skipped for a non-finite gradient does to the windows it was meant to train. */
class BatchTrainerTest {
    private static final LmConfig TINY = LmConfig.named("tiny");

    @Test
    void aStepSkippedForAnOverflowIsRetriedAtTheNewScaleAndOnlyTheAppliedStepTrainsItsWindows(@TempDir Path dir)
            throws Exception {
        try (Fixture f = new Fixture(dir)) {
            // Inject an overflow: at 2^40 the scaled gradients exceed fp16's range (65504) inside the products.
            f.step.lossScaler().restore(0x1p40f, 0);
            float[] before = f.weights();
            int added = f.fillOneBatch();

            long skipped = f.metrics.skippedSteps();
            assertTrue(skipped >= 1, "the injected overflow skips the first try");
            assertEquals(skipped + 1, f.step.steps(), "retried until one step applied, then no more");
            assertTrue(f.step.lossScaler().scale() <= 0x1p39f, "retried at a lower scale");
            assertFalse(Arrays.equals(before, f.weights()), "the retry's update applied");
            assertEquals(added, f.metrics.windowsTrained(), "each window counted once");
            assertEquals(0, f.metrics.untrainableWindows());
            assertEquals(List.of(), f.setAside, "nothing set aside");
            assertEquals(Map.of(f.tp, (long) added), f.offsets.covered());

            List<String> lines = Files.readAllLines(f.logFile);
            assertEquals(added, lines.size(), "each window trained once: " + lines);
            assertTrue(
                    lines.stream().allMatch(l -> l.startsWith(f.step.steps() + "\t")),
                    "only the applied step " + f.step.steps() + " trained them: " + lines);
        }
    }

    @Test
    void aBatchNoLossScaleCanTrainIsSetAsideUntrainedCountedAndDeadLettered(@TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(dir)) {
            // Overflows at every scale it backs off to: 2^127 halved MAX_SKIPPED times is still far beyond fp16.
            f.step.lossScaler().restore(0x1p127f, 0);
            float[] before = f.weights();
            int added = f.fillOneBatch();

            assertEquals(BatchTrainer.MAX_SKIPPED, f.metrics.skippedSteps());
            assertArrayEquals(before, f.weights(), "no update applied");
            assertEquals(0, f.metrics.windowsTrained(), "nothing counted as trained");
            assertEquals(added, f.metrics.untrainableWindows());
            assertEquals(List.of(), Files.readAllLines(f.logFile), "nothing recorded as trained");
            assertEquals(Map.of(f.tp, (long) added), f.offsets.covered(), "set aside, not read again forever");
            assertEquals(1, f.setAside.size(), "one batch set aside");
            assertEquals(
                    f.labels.subList(0, added).stream()
                            .map(s -> s.getSampleId() + "#" + s.getWindow())
                            .toList(),
                    f.setAside.get(0).windows().stream()
                            .map(w -> w.sampleId() + "#" + w.window())
                            .toList(),
                    "every window of it goes to the dead-letter topic");
            assertArrayEquals(
                    SoftLabelStream.SERDE.encode(f.labels.get(0)),
                    f.setAside.get(0).windows().get(0).value(),
                    "with the bytes as read");
            assertTrue(
                    f.setAside.get(0).why().contains(BatchTrainer.MAX_SKIPPED + " skipped step(s)"),
                    f.setAside.get(0).why());
        }
    }

    /** One call of the batch trainer's {@link BatchTrainer.SetAside}. */
    private record SetAsideCall(List<TrainingWindow> windows, String why) {}

    /** An fp16 tiny student with its batch trainer, offsets, metrics, trained log and set-aside windows. */
    private static final class Fixture implements AutoCloseable {
        final List<SetAsideCall> setAside = new ArrayList<>();
        final TopicPartition tp = new TopicPartition("labels", 0);
        final NDManager manager = NDManager.newBaseManager();
        final Gpt gpt;
        final TrainStep step;
        final Path logFile;
        final TrainedLog log;
        final OffsetTracker offsets = new OffsetTracker();
        final TrainerMetrics metrics = new TrainerMetrics("skip");
        final BatchTrainer batches;
        final List<SoftLabels> labels =
                SoftLabelStream.label(SoftLabelStream.documents(4, 120, 3), 60, new TopK(8), 2f);
        final SoftLabelReader reader = new SoftLabelReader(
                ByteTokenizer.get(), ByteTokenizer.VOCAB_SIZE, TrainerConfig.OnTokenizerMismatch.FAIL);

        Fixture(Path dir) throws Exception {
            TrainerConfig config = TrainerConfig.builder("skip", TINY, new Properties(), dir)
                    .precision(Precision.FP16)
                    .batch(4, Duration.ofMinutes(10))
                    .build();
            Engine.getInstance().setRandomSeed(5);
            gpt = Gpt.create(TINY, Precision.FP16, manager);
            step = new TrainStep(gpt, manager, TrainStep.Options.defaults(1e-3f, 2));
            logFile = dir.resolve("trained.log");
            log = new TrainedLog(logFile);
            offsets.assigned(tp, 0);
            batches = new BatchTrainer(
                    config,
                    step,
                    manager,
                    offsets,
                    metrics,
                    log,
                    (windows, why) -> setAside.add(new SetAsideCall(List.copyOf(windows), why)),
                    null);
        }

        float[] weights() {
            return gpt.getParameters().get(0).getValue().getArray().toFloatArray();
        }

        /** Adds windows at offsets 0, 1, ... until a batch is full and has been taken; returns how many. */
        int fillOneBatch() throws Exception {
            int added = 0;
            boolean stepped = false;
            while (!stepped) {
                SoftLabels s = labels.get(added);
                ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(
                        tp.topic(),
                        tp.partition(),
                        added,
                        s.getSampleId().getBytes(StandardCharsets.UTF_8),
                        SoftLabelStream.SERDE.encode(s));
                TrainingWindow w = assertInstanceOf(SoftLabelReader.Accepted.class, reader.read(record))
                        .window();
                stepped = batches.add(w);
                added++;
            }
            return added;
        }

        @Override
        public void close() throws Exception {
            log.close();
            step.close();
            manager.close();
        }
    }
}
