package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.schemas.SoftLabels;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TextLabeler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    /** A student that is its own teacher: same argmax everywhere, near-zero KL, same bits/byte as the teacher. */
    @Test
    void aStudentIdenticalToItsTeacherAgreesFully() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            Gpt model = Gpt.create(LmConfig.named("tiny"), manager);
            TextLabeler teacher = new TextLabeler(new TeacherModel(model, "self", "1"), new TopK(16), 1f);
            SoftLabelReader reader = new SoftLabelReader(
                    ByteTokenizer.get(), ByteTokenizer.VOCAB_SIZE, TrainerConfig.OnTokenizerMismatch.FAIL);
            List<TrainingWindow> windows = new ArrayList<>();
            for (SoftLabels s : teacher.label("doc", "The quick brown fox jumps over the lazy dog. ".repeat(4), 40)) {
                byte[] bytes = io.distill.schemas.DistillSerdes.softLabels().encode(s);
                var outcome = reader.read(new ConsumerRecord<>("t", 0, windows.size(), null, bytes));
                windows.add(((SoftLabelReader.Accepted) outcome).window());
            }
            Optional<Evaluator.Metrics> metrics = Evaluator.evaluate(model, manager, windows, 2);
            Evaluator.Metrics m = metrics.orElseThrow();
            assertEquals(windows.size(), m.windows());
            // An untrained model's probabilities are close together: fp16 log-probs on the wire turn a few
            // near-ties into exact ties, which go to the lower id.
            assertTrue(m.top1Agreement() > 0.97, "agreement " + m.top1Agreement());
            assertEquals(0.0, m.klToTeacher().getAsDouble(), 2e-3, "fp16 log-probs make it only nearly 0");
            assertEquals(m.teacherBitsPerByte().getAsDouble(), m.bitsPerByte(), 1e-3);
            assertTrue(m.bitsPerByte() > 7, "an untrained model is near log2(259) bits");
            assertTrue(m.asMap().containsKey("holdout_bits_per_byte"));
        }
    }

    @Test
    void nothingToEvaluateGivesNoFigures() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt model = Gpt.create(LmConfig.named("tiny"), manager);
            assertTrue(Evaluator.evaluate(model, manager, List.of(), 4).isEmpty());
        }
    }
}
