package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.schemas.SoftLabels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labelling in-process gives the records the service publishes for the same text, byte for byte. */
class TextLabelerTest {
    private static final String DOC = "Soft labels carry more than hard ones: every window counts once.";

    private static NDManager manager;
    private static TeacherModel teacher;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void loadTeacher() {
        manager = NDManager.newBaseManager();
        teacher = TinyTeacher.create(manager);
    }

    @AfterAll
    static void closeTeacher() {
        manager.close();
    }

    @Test
    void theRecordsAreTheServicesForBothCodecs() {
        for (String codec : new String[] {"topk:32", "sampled:12"}) {
            TeacherConfig config = TeacherDriver.config()
                    .context(16)
                    .maxBatch(16)
                    .temperature(1.5f)
                    .codec(Codec.parse(codec))
                    .build();
            List<SoftLabels> published;
            try (TeacherDriver d = new TeacherDriver(config, teacher, stateDir.resolve(codec.replace(':', '-')))) {
                d.sendPlain("doc", DOC);
                d.flushByMaxWait(config);
                published = d.readSoftLabels();
            }
            List<SoftLabels> local = new TextLabeler(teacher, Codec.parse(codec), 1.5f).label("doc", DOC, 16);

            assertEquals(4, published.size(), codec);
            assertEquals(published.size(), local.size(), codec);
            for (int w = 0; w < local.size(); w++) {
                SoftLabels a = published.get(w);
                SoftLabels b = local.get(w);
                assertEquals(a.getWindow(), b.getWindow());
                assertEquals(a.getTokens(), b.getTokens());
                assertEquals(a.getTeacher(), b.getTeacher());
                assertEquals(a.getCodec(), b.getCodec());
                assertEquals(a.getPayload(), b.getPayload(), codec + " window " + w);
                assertEquals(a.getTargetNats(), b.getTargetNats(), codec + " window " + w);
            }
        }
    }

    @Test
    void aNonFiniteWindowIsAnException() {
        try (NDManager scope = NDManager.newBaseManager()) {
            TeacherModel poisoned = TinyTeacher.poisonedFrom(scope, 3);
            TextLabeler labeler = new TextLabeler(poisoned, Codec.DEFAULT, 2f);
            assertThrows(IllegalStateException.class, () -> labeler.label("doc", DOC, 16));
        }
    }
}
