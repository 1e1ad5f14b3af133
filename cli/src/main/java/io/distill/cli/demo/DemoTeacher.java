package io.distill.cli.demo;

import ai.djl.ndarray.NDManager;
import io.distill.cli.ModelFiles;
import io.distill.lm.Sha256;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.artifact.WeightFormat;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.train.Pretraining;
import io.distill.lm.train.TextCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The demo's teacher: the one in the data dir when it was made from the same corpus at the same size (a
 * fingerprint file says so), otherwise a new one pretrained on the corpus for 40% of the time left.
 */
final class DemoTeacher {
    private final String teacherSize;
    private final LmConfig config;
    private final StatusBoard board;

    DemoTeacher(String teacherSize, LmConfig config, StatusBoard board) {
        this.teacherSize = teacherSize;
        this.config = config;
        this.board = board;
    }

    /** Reuses the teacher in the data dir when it was made from this corpus; otherwise pretrains one. */
    Path prepare(Path data, byte[] text, TextCorpus split, long deadline) throws IOException {
        Path dir = data.resolve("teacher");
        Path fingerprint = data.resolve("teacher.corpus-sha256");
        String corpusHash = Sha256.hex(text) + " " + teacherSize;
        if (Files.isRegularFile(dir.resolve("manifest.json"))
                && Files.isRegularFile(fingerprint)
                && Files.readString(fingerprint).strip().equals(corpusHash)) {
            board.event("demo: reusing the teacher in " + dir + " (made from this corpus)");
            return dir;
        }
        long budgetNanos = (long) ((deadline - System.nanoTime()) * 0.4);
        board.event(String.format(
                Locale.ROOT,
                "demo: pretraining a %s teacher (%,d parameters) for %.1f minutes on %,d bytes",
                teacherSize,
                config.parameterCount(),
                budgetNanos / 60e9,
                split.trainTokens()));
        var options = new Pretraining.Options(
                config,
                ModelFiles.precision("auto").precision(),
                8,
                1e-3f,
                30,
                Duration.ofNanos(budgetNanos),
                1,
                Duration.ofSeconds(60),
                32 * 1024,
                Optional.empty(),
                0);
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt model = Pretraining.run(split, options, manager, new Pretraining.Listener() {
                private long lastPrint;

                @Override
                public void stepped(Pretraining.Progress p) {
                    if (System.nanoTime() - lastPrint > 10e9) {
                        lastPrint = System.nanoTime();
                        board.event(String.format(
                                Locale.ROOT,
                                "demo: teacher step %,d | %,.0f tokens/s | loss %.3f | ETA %ds",
                                p.step(),
                                p.tokensPerSecond(),
                                p.loss(),
                                p.remaining().toSeconds()));
                    }
                }

                @Override
                public void evaluated(long step, double bitsPerByte) {
                    board.event(String.format(Locale.ROOT, "demo: teacher holdout %.3f bits/byte", bitsPerByte));
                }
            });
            ModelBundle.export(model, dir, WeightFormat.FP32);
        }
        Files.writeString(fingerprint, corpusHash + "\n");
        return dir;
    }
}
