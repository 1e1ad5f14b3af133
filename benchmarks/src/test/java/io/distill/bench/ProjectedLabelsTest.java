package io.distill.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.bytes.ByteProjection;
import io.distill.lm.bytes.ProjectedWindow;
import io.distill.lm.codec.Codec;
import io.distill.lm.codec.WindowLabels;
import io.distill.lm.hf.HfImport;
import io.distill.lm.hf.PythonReference;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.HfTokenizer;
import io.distill.lm.tokenize.TokenizerCache;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.LearningRateSchedule;
import io.distill.lm.train.TextCorpus;
import io.distill.lm.train.TrainStep;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.teacher.ProjectedLabelPath;
import io.distill.teacher.TeacherModel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The label path of {@code bench quality --project bytes} on a tiny random GPT-2 with the real GPT-2 tokenizer: the
 * records are the teacher service's byte-level labels of exactly the bytes the token windows spell, each position a
 * distribution over the byte ids, and the hard-label and KD students train on the same bytes.
 */
class ProjectedLabelsTest {
    private static final int WINDOWS = 3;
    private static final int TOKENS = 24;

    @Test
    void projectedRecordsAreDistributionsOverTheBytesTheStudentsTrainOn(@TempDir Path tmp) throws Exception {
        Path gpt2 = TokenizerCache.modelDir("gpt2");
        Path dir = PythonReference.require().tinyModel(tmp.resolve("gpt2"), "gpt2", 50257, gpt2, 5);
        try (HfTokenizer tokenizer = HfTokenizer.load(dir);
                NDManager manager = NDManager.newBaseManager()) {
            var teacher =
                    new TeacherModel(HfImport.load(dir, Precision.FP32, manager).gpt(), tokenizer, "tiny", "5");
            TextCorpus text = TextCorpus.of(text(), 0.05, tokenizer);
            int[][] windows = text.trainWindows(new SplittableRandom(7), WINDOWS, TOKENS);
            NDArray logits = teacher.logits(manager, Arrays.asList(windows));
            Codec dense = Codec.parse("topk:259"); // every byte id listed: the whole distribution on the wire
            var labels = new ProjectedLabelPath(teacher, dense, 1f).label(logits, Arrays.asList(windows), "t");
            assertEquals(List.of(), labels.refused());
            assertEquals(WINDOWS, labels.records().size());

            long positions = 0;
            for (int w = 0; w < WINDOWS; w++) {
                SoftLabels r =
                        DistillSerdes.softLabels().decode(labels.records().get(w));
                assertEquals(ByteTokenizer.ID, r.getTeacher().getTokenizerId());
                assertEquals(tokenizer.id(), r.getTeacher().getProjectedFrom().getTokenizerId());
                int[] bytes = r.getTokens().stream().mapToInt(Integer::intValue).toArray();
                byte[] first = tokenizer.tokenBytes(windows[w][0]);
                assertEquals(first[first.length - 1] & 0xff, bytes[0], "the input is the context token's last byte");
                assertArrayEquals(spelled(tokenizer, windows[w]), Arrays.copyOfRange(bytes, 1, bytes.length));

                int n = bytes.length - 1;
                positions += n;
                WindowLabels soft = dense.decode(r.getPayload().array(), n, ByteTokenizer.VOCAB_SIZE);
                double[][] exact = projection(teacher, logits, w, windows[w]);
                assertEquals(n, exact.length);
                for (int t = 0; t < n; t++) {
                    double sum = soft.tailMass(t);
                    double max = Arrays.stream(exact[t]).max().orElseThrow();
                    for (int j = 0; j < soft.ids()[t].length; j++) {
                        int id = soft.ids()[t][j];
                        double p = soft.weights()[t][j];
                        sum += p;
                        double want = id < 256 ? exact[t][id] : id == ByteTokenizer.EOS ? exact[t][256] : 0;
                        // topk keeps each probability on a 1/16-nat grid (one step 6.45%, half of it for the
                        // rounding, half for the renormalisation of the others' rounding), and floors those more
                        // than 255 steps (15.9 nats) below the most likely one at that depth
                        double floor = max * Math.exp(-255 / 16.0);
                        assertEquals(Math.max(want, floor), p, 0.0645 * Math.max(want, floor) + 1e-9, w + "/" + t);
                    }
                    assertEquals(1.0, sum, 1e-3, "window " + w + " position " + t);
                }
            }

            // the hard-label student and the KD student see the same byte positions, from the same weights
            LmConfig tiny = LmConfig.named("tiny");
            var schedule = new LearningRateSchedule(1e-3f, 1, LearningRateSchedule.Decay.CONSTANT);
            long[] trained = new long[2];
            float[] ce = new float[2];
            List<QualityArm> arms = List.of(QualityArm.HARD, QualityArm.codec(dense));
            for (int a = 0; a < 2; a++) {
                var options = new TrainStep.Options(
                        schedule,
                        AdamW.Hyperparameters.defaults(),
                        1f,
                        arms.get(a).alphaOr(0.9f));
                try (var student =
                        new ArmStudent(arms.get(a), tiny, Precision.FP32, 1, options, teacher.identity(), 1f)) {
                    TrainStep.Result r = student.step(labels.records());
                    trained[a] = student.tokens();
                    ce[a] = r.ce();
                    assertEquals(a == 0, r.kd() == 0f, arms.get(a) + " kd " + r.kd());
                }
            }
            assertEquals(positions, trained[0]);
            assertEquals(positions, trained[1]);
            assertEquals(ce[0], ce[1], 1e-5f, "same weights, same bytes: the same cross-entropy");
        }
    }

    /** The teacher's next-byte distributions for the window, straight from the projection. */
    private static double[][] projection(TeacherModel teacher, NDArray logits, int w, int[] window) {
        int v = (int) logits.getShape().get(2);
        float[] flat = logits.get(w).logSoftmax(-1).toFloatArray(); // (L, V)
        float[][] rows = new float[window.length - 1][];
        for (int j = 0; j < rows.length; j++) {
            rows[j] = Arrays.copyOfRange(flat, j * v, (j + 1) * v);
        }
        var projection = ByteProjection.of(teacher.tokenizer());
        return ProjectedWindow.of(teacher.tokenizer(), projection, window, rows, false)
                .next();
    }

    /** The bytes the window's targets spell. */
    private static int[] spelled(HfTokenizer tokenizer, int[] window) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int j = 1; j < window.length; j++) {
            out.writeBytes(tokenizer.tokenBytes(window[j]));
        }
        byte[] bytes = out.toByteArray();
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    private static byte[] text() {
        StringBuilder sb = new StringBuilder();
        String[] words = {"the", "teacher", "labels", "bytes", "for", "a", "student", "caf\u00e9", "over", "Kafka"};
        var random = new SplittableRandom(3);
        while (sb.length() < 12_000) {
            sb.append(words[random.nextInt(words.length)]).append(random.nextInt(9) == 0 ? ".\n" : " ");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
