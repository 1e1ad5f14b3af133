package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.TopK;
import io.distill.lm.tokenize.ByteTokenizer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The byte labeler on batches the topology cannot make from text: windows with nothing to project, a bad codec. */
class ByteLabelerTest {

    @Test
    void aWindowWhoseTargetsSpellNoByteIsUnprojectableAndTheOthersAreLabelled() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TeacherModel teacher = TinyTeacher.create(manager);
            ByteLabeler bytes = new ByteLabeler(teacher, new TopK(8), 2f);
            PendingWindow nothing = new PendingWindow("doc", 3, new int[] {'a', ByteTokenizer.EOS}, 40, 0, 7, 1L);
            PendingWindow text = new PendingWindow("doc", 0, new int[] {ByteTokenizer.BOS, 'h', 'i', '!'}, 0, 0, 7, 1L);
            try (SoftLabeler labeler = new SoftLabeler(teacher, new TopK(8), 2f, bytes)) {
                List<SoftLabeler.Outcome> outcomes =
                        labeler.label(List.of(nothing, text), Instant.EPOCH).outcomes();

                SoftLabeler.Unprojectable bad = assertInstanceOf(SoftLabeler.Unprojectable.class, outcomes.get(0));
                assertTrue(bad.reason().contains("no byte"), bad.reason());
                SoftLabeler.Labelled good = assertInstanceOf(SoftLabeler.Labelled.class, outcomes.get(1));
                assertEquals(
                        List.of(ByteTokenizer.BOS, (int) 'h', (int) 'i', (int) '!'),
                        good.labels().getTokens());
                assertEquals(ByteTokenizer.ID, good.labels().getTeacher().getTokenizerId());
                assertTrue(good.labels().getTargetNats() > 0);
            }
        }
    }

    @Test
    void aCodecLargerThanTheByteVocabularyIsRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TeacherModel teacher = TinyTeacher.create(manager);
            assertThrows(IllegalArgumentException.class, () -> new ByteLabeler(teacher, new TopK(260), 2f));
        }
    }
}
