package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ArtifactChunksTest {
    @Test
    void aLocationSurvivesItsUri() {
        ArtifactChunks.Location at = new ArtifactChunks.Location(Topics.CHECKPOINT_ARTIFACTS, "small", 460, 2, 1234);
        URI uri = at.uri();
        assertEquals("kafka://distill.checkpoint-artifacts/small/460?partition=2&offset=1234", uri.toString());
        assertEquals(at, ArtifactChunks.Location.parse(uri));
    }

    @Test
    void urisWithoutWhereTheChunksAreOrWithOtherPathsAreRefusedSayingWhatIsExpected() {
        for (String bad : new String[] {
            "kafka://distill.checkpoint-artifacts/small/460",
            "kafka://distill.checkpoint-artifacts/small/460/extra?partition=0&offset=0",
            "kafka://distill.checkpoint-artifacts/small/x?partition=0&offset=0",
            "kafka://distill.checkpoint-artifacts/../460?partition=0&offset=0",
            "http://host/small/460?partition=0&offset=0"
        }) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> ArtifactChunks.Location.parse(URI.create(bad)), bad);
            assertTrue(e.getMessage().contains("kafka"), e.getMessage());
        }
    }

    @Test
    void chunksAreKeyedStudentVersionIndexAndCountedBy512KiB() {
        assertEquals("small/460/3", new String(ArtifactChunks.key("small", 460, 3), StandardCharsets.UTF_8));
        assertEquals(1, ArtifactChunks.count(0));
        assertEquals(1, ArtifactChunks.count(512 * 1024));
        assertEquals(2, ArtifactChunks.count(512 * 1024 + 1));
        assertEquals(200, ArtifactChunks.count(100L * 1024 * 1024));
    }
}
