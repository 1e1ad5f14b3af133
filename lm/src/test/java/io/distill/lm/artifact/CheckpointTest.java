package io.distill.lm.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.Fixtures;
import io.distill.lm.RepeatedText;
import io.distill.lm.Sha256;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.Batch;
import io.distill.lm.train.TrainStep;
import io.distill.lm.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    private static final String TEXT = "the quick brown fox jumps over the lazy dog. ";
    /** Warmup lasts past the checkpoint, so resuming must continue the schedule where it stopped. */
    private static final TrainStep.Options OPTIONS = TrainStep.Options.defaults(1e-2f, 5);

    @TempDir
    Path tmp;

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void resumedTrainingIsBitForBitTheSameAsUninterrupted() throws IOException {
        int before = 3;
        int after = 3;
        int[][][] batches = new int[before + after][][];
        RepeatedText data = new RepeatedText(TEXT, 5);
        for (int i = 0; i < batches.length; i++) {
            batches[i] = data.windows(4, 24);
        }
        TrainingState state = new TrainingState(before, 3 * 4 * 24, 1024f, 7, Map.of("distill.soft-labels-0", 123L));
        Path dir = tmp.resolve("ckpt");

        Map<String, byte[]> uninterrupted;
        Map<String, byte[]> uninterruptedMoments;
        try (NDManager run = m.newSubManager()) {
            Engine.getInstance().setRandomSeed(11);
            Gpt gpt = Gpt.create(LmConfig.named("tiny"), run);
            try (TrainStep trainer = new TrainStep(gpt, run, OPTIONS)) {
                train(trainer, run, batches, 0, before);
                Checkpoint.write(dir, gpt, trainer.optimizer(), state);
                train(trainer, run, batches, before, before + after);
                uninterrupted = Fixtures.parameterBytes(gpt);
                uninterruptedMoments = momentBytes(trainer.optimizer());
            }
        }

        try (NDManager run = m.newSubManager()) {
            Engine.getInstance().setRandomSeed(99); // a different start, so only the restore can make them equal
            Gpt gpt = Gpt.create(LmConfig.named("tiny"), run);
            try (TrainStep trainer = new TrainStep(gpt, run, OPTIONS)) {
                assertEquals(state, Checkpoint.restore(dir, gpt, trainer.optimizer()));
                trainer.resume(state);
                assertEquals(before, trainer.optimizer().updates());
                assertEquals(before, trainer.steps());
                train(trainer, run, batches, before, before + after);
                Map<String, byte[]> resumed = Fixtures.parameterBytes(gpt);
                assertEquals(uninterrupted.keySet(), resumed.keySet());
                for (String name : uninterrupted.keySet()) {
                    assertArrayEquals(uninterrupted.get(name), resumed.get(name), name + " differs bitwise");
                }
                Map<String, byte[]> moments = momentBytes(trainer.optimizer());
                for (String name : uninterruptedMoments.keySet()) {
                    assertArrayEquals(uninterruptedMoments.get(name), moments.get(name), name + " differs bitwise");
                }
                assertEquals(before + after, trainer.optimizer().updates());
            }
        }
    }

    @Test
    void aFlippedByteInAnyFileIsRefusedNamingTheFileAndNothingIsChanged() throws IOException {
        Engine.getInstance().setRandomSeed(2);
        Gpt saved = Gpt.create(LmConfig.named("tiny"), m);
        try (AdamW adamW = new AdamW(saved.getParameters(), AdamW.Hyperparameters.defaults(), m)) {
            for (String file : List.of("config.json", "weights.safetensors", "optimizer.safetensors", "state.json")) {
                Path dir = tmp.resolve("flip-" + file);
                Checkpoint.write(dir, saved, adamW, TrainingState.initial());
                Fixtures.flipByte(dir.resolve(file));

                Engine.getInstance().setRandomSeed(3);
                Gpt target = Gpt.create(LmConfig.named("tiny"), m);
                Map<String, byte[]> untouched = Fixtures.parameterBytes(target);
                try (AdamW targetOpt = new AdamW(target.getParameters(), AdamW.Hyperparameters.defaults(), m)) {
                    InvalidArtifactException e = assertThrows(
                            InvalidArtifactException.class, () -> Checkpoint.restore(dir, target, targetOpt));
                    assertTrue(
                            e.getMessage().contains(file + " fails its checksum")
                                    && e.getMessage().contains(dir.toString()),
                            e.getMessage());
                    assertEquals(0, targetOpt.updates());
                }
                Map<String, byte[]> after = Fixtures.parameterBytes(target);
                for (String name : untouched.keySet()) {
                    assertArrayEquals(untouched.get(name), after.get(name), name);
                }
            }
        }
    }

    @Test
    void aDirectoryWithoutManifestIsIncomplete() throws IOException {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        try (AdamW adamW = new AdamW(gpt.getParameters(), AdamW.Hyperparameters.defaults(), m)) {
            Path dir = tmp.resolve("half");
            Checkpoint.write(dir, gpt, adamW, TrainingState.initial());
            Files.delete(dir.resolve("manifest.json"));
            InvalidArtifactException e =
                    assertThrows(InvalidArtifactException.class, () -> Checkpoint.restore(dir, gpt, adamW));
            assertTrue(e.getMessage().contains("manifest.json is missing"), e.getMessage());
        }
    }

    @Test
    void restoringIntoAnotherModelShapeIsRefused() throws IOException {
        Gpt tiny = Gpt.create(LmConfig.named("tiny"), m);
        Gpt longer = Gpt.create(LmConfig.gpt(2, 2, 32, 128, ByteTokenizer.VOCAB_SIZE, 0f), m);
        try (AdamW tinyOpt = new AdamW(tiny.getParameters(), AdamW.Hyperparameters.defaults(), m);
                AdamW longerOpt = new AdamW(longer.getParameters(), AdamW.Hyperparameters.defaults(), m)) {
            Path dir = tmp.resolve("tiny");
            Checkpoint.write(dir, tiny, tinyOpt, TrainingState.initial());
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Checkpoint.restore(dir, longer, longerOpt));
            assertTrue(e.getMessage().contains("context=64"), e.getMessage());
        }
    }

    @Test
    void writingLeavesOnlyTheCheckpointAndLeaksNoArrays() throws IOException {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        try (AdamW adamW = new AdamW(gpt.getParameters(), AdamW.Hyperparameters.defaults(), m)) {
            int arrays = m.getManagedArrays().size();
            Path dir = tmp.resolve("ckpt");
            Artifact a = Checkpoint.write(dir, gpt, adamW, TrainingState.initial());
            Checkpoint.restore(dir, gpt, adamW);
            assertEquals(arrays, m.getManagedArrays().size());
            try (var siblings = Files.list(tmp)) {
                assertEquals(List.of(dir), siblings.toList());
            }
            try (var files = Files.list(dir)) {
                assertEquals(
                        List.of(
                                "config.json",
                                "manifest.json",
                                "optimizer.safetensors",
                                "state.json",
                                "weights.safetensors"),
                        files.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertEquals(Sha256.hex(dir.resolve("manifest.json")), a.sha256());
            long size = 0;
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    size += Files.size(p);
                }
            }
            assertEquals(size, a.sizeBytes());
            assertFalse(Checkpoint.readState(dir).offsets().containsKey("x"));
        }
    }

    private static void train(TrainStep trainer, NDManager manager, int[][][] batches, int from, int to) {
        for (int i = from; i < to; i++) {
            try (Batch batch = Batch.fromWindows(manager, batches[i])) {
                assertFalse(trainer.step(batch).skipped());
            }
        }
    }

    private static Map<String, byte[]> momentBytes(AdamW adamW) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (AdamW.Moments mo : adamW.moments()) {
            out.put("m." + mo.name(), mo.m().toByteArray());
            out.put("v." + mo.name(), mo.v().toByteArray());
        }
        return out;
    }
}
