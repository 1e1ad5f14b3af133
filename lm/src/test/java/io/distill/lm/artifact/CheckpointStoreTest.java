package io.distill.lm.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.Fixtures;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    @TempDir
    Path root;

    private NDManager m;
    private Gpt gpt;
    private AdamW adamW;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
        gpt = Gpt.create(LmConfig.named("tiny"), m);
        adamW = new AdamW(gpt.getParameters(), AdamW.Hyperparameters.defaults(), m);
    }

    @AfterEach
    void close() {
        adamW.close();
        m.close();
    }

    @Test
    void namesSortByStep() {
        assertEquals("step-000000001234", CheckpointStore.directoryName(1234));
        assertTrue(CheckpointStore.directoryName(999).compareTo(CheckpointStore.directoryName(1000)) < 0);
        assertThrows(IllegalArgumentException.class, () -> CheckpointStore.directoryName(-1));
    }

    @Test
    void keepsTheNewestK() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 2);
        assertEquals(Optional.empty(), store.latest());
        for (long step : new long[] {5, 10, 100}) {
            store.save(gpt, adamW, state(step));
        }
        assertEquals(List.of(dir(10), dir(100)), store.checkpoints());
        assertEquals(Optional.of(dir(100)), store.latest());
        assertEquals(100, Checkpoint.readState(dir(100)).step());
    }

    @Test
    void latestSkipsCorruptedAndHalfWrittenCheckpoints() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 5);
        store.save(gpt, adamW, state(1));
        store.save(gpt, adamW, state(2));
        Fixtures.flipByte(dir(2).resolve("optimizer.safetensors"));
        Files.createDirectories(dir(3)); // a checkpoint directory without manifest: never completed
        Files.writeString(dir(3).resolve("config.json"), "{}");
        assertEquals(Optional.of(dir(1)), store.latest());
    }

    @Test
    void savingAnEarlierStepDropsTheAbandonedLaterOnes() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 2);
        store.save(gpt, adamW, state(10));
        store.save(gpt, adamW, state(20));
        store.save(gpt, adamW, state(30));
        // Resumed from step 20 (say 30 did not verify) and saved at 25: 30 must not come back, 20 stays.
        store.save(gpt, adamW, state(25));
        assertEquals(List.of(dir(20), dir(25)), store.checkpoints());
        assertTrue(Files.isDirectory(root.resolve("quarantine").resolve(dir(30).getFileName())), "moved, not deleted");
    }

    @Test
    void whenNoCheckpointVerifiesResumingRefusesWithOneLineListingThemAndMovesNothing() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 5);
        store.save(gpt, adamW, state(1));
        store.save(gpt, adamW, state(2));
        Fixtures.flipByte(dir(1).resolve("weights.safetensors"));
        Files.delete(dir(2).resolve("manifest.json"));

        var e = assertThrows(UnverifiedCheckpointsException.class, () -> store.resumable(false));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("step-000000000001: "), e.getMessage());
        assertTrue(e.getMessage().contains("step-000000000002: "), e.getMessage());
        assertTrue(e.getMessage().contains("--start-fresh"), e.getMessage());
        assertEquals(List.of(dir(1), dir(2)), store.checkpoints(), "nothing moved or deleted");
        // a second start refuses again: the refusal left the evidence in place
        assertThrows(UnverifiedCheckpointsException.class, () -> new CheckpointStore(root, 5).resumable(false));
    }

    @Test
    void startingFreshMovesUnverifiableCheckpointsIntoQuarantineAndAFreshSaveKeepsThem() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 1);
        store.save(gpt, adamW, state(50));
        byte[] weights = Files.readAllBytes(dir(50).resolve("weights.safetensors"));
        Fixtures.flipByte(dir(50).resolve("weights.safetensors"));

        assertEquals(Optional.empty(), store.resumable(true));
        store.save(gpt, adamW, state(1)); // the first save of the fresh run, with keep 1

        assertEquals(List.of(dir(1)), store.checkpoints());
        Path quarantined = root.resolve("quarantine").resolve(dir(50).getFileName());
        assertEquals(weights.length, Files.size(quarantined.resolve("weights.safetensors")));
        assertTrue(Files.exists(quarantined.resolve("manifest.json")));
    }

    @Test
    void resumingMovesNewerUnverifiableCheckpointsAsideAndResumesFromTheNewestThatVerifies() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 5);
        store.save(gpt, adamW, state(1));
        store.save(gpt, adamW, state(2));
        store.save(gpt, adamW, state(3));
        Fixtures.flipByte(dir(3).resolve("optimizer.safetensors"));

        assertEquals(Optional.of(dir(2)), store.resumable(false));
        assertEquals(List.of(dir(1), dir(2)), store.checkpoints());
        assertTrue(Files.isDirectory(root.resolve("quarantine").resolve(dir(3).getFileName())));
        assertEquals(Optional.empty(), new CheckpointStore(root.resolve("empty"), 1).resumable(false));
    }

    @Test
    void savingTheSameStepAgainReplacesIt() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 2);
        store.save(gpt, adamW, state(7));
        store.save(gpt, adamW, new TrainingState(7, 0, 1f, 0, Map.of("p-0", 99L)));
        assertEquals(List.of(dir(7)), store.checkpoints());
        assertEquals(99L, Checkpoint.readState(dir(7)).offsets().get("p-0"));
    }

    @Test
    void openingTheStoreClearsLeftoversOfACrash() throws IOException {
        Files.createDirectories(root.resolve(".tmp-step-000000000009-1234abcd"));
        new CheckpointStore(root, 1);
        try (var children = Files.list(root)) {
            assertEquals(List.of(), children.toList());
        }
    }

    /**
     * Issue 11 item 8: a replace renames the existing checkpoint aside, then the new one in. A crash between the
     * two renames leaves the only checkpoint of that step in two dot-directories; opening the store recovers the
     * complete new one instead of deleting it.
     */
    @Test
    void aCrashBetweenTheTwoRenamesOfAReplaceRecoversTheCompleteNewCheckpoint() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 2);
        store.save(gpt, adamW, state(7));
        Path other = root.resolve("elsewhere");
        new CheckpointStore(other, 1).save(gpt, adamW, new TrainingState(7, 0, 1f, 0, Map.of("p-0", 99L)));
        // the state right after the first rename: the old one aside, the new one complete but not yet in place
        Files.move(dir(7), root.resolve(".old-step-000000000007-0a1b2c3d"));
        Files.move(other.resolve(dir(7).getFileName()), root.resolve(".tmp-step-000000000007-4e5f6a7b"));
        deleteTree(other);

        CheckpointStore reopened = new CheckpointStore(root, 2);

        assertEquals(Optional.of(dir(7)), reopened.resumable(false));
        assertEquals(99L, Checkpoint.readState(dir(7)).offsets().get("p-0"), "the new one, complete");
        try (var children = Files.list(root)) {
            assertEquals(List.of(dir(7)), children.toList(), "the set-aside one is removed once replaced");
        }
    }

    @Test
    void whenTheNewCheckpointIsIncompleteTheSetAsideOneIsPutBack() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 2);
        store.save(gpt, adamW, state(7));
        Files.move(dir(7), root.resolve(".old-step-000000000007-0a1b2c3d"));
        Path temp = Files.createDirectories(root.resolve(".tmp-step-000000000007-4e5f6a7b"));
        Files.writeString(temp.resolve("config.json"), "{}"); // cut off before its manifest

        CheckpointStore reopened = new CheckpointStore(root, 2);

        assertEquals(Optional.of(dir(7)), reopened.resumable(false));
        assertEquals(7L, Checkpoint.readState(dir(7)).offsets().get("distill.soft-labels-0"));
        try (var children = Files.list(root)) {
            assertEquals(List.of(dir(7)), children.toList());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private Path dir(long step) {
        return root.resolve(CheckpointStore.directoryName(step));
    }

    private static TrainingState state(long step) {
        return new TrainingState(step, step * 100, 1f, 0, Map.of("distill.soft-labels-0", step));
    }
}
