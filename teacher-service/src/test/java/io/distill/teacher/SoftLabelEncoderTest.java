package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.codec.Codec;
import io.distill.lm.codec.WindowLabels;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoder's numbers against plain double arithmetic on the same logits, and which logits make a window
 * unlabellable: a NaN or +inf anywhere in a real position's row, or a row of -inf, but not a -inf among finite logits
 * (probability 0) and not anything in the padding.
 */
class SoftLabelEncoderTest {
    private static final int VOCAB = 12;
    private static final int LENGTH = 6;
    private static final float T = 2f;

    private static final TeacherIdentity IDENTITY = TeacherIdentity.newBuilder()
            .setModelId("hand-written")
            .setModelVersion("1")
            .setTokenizerId("ids-" + VOCAB)
            .setTokenizerChecksum("0".repeat(64))
            .setVocabSize(VOCAB)
            .build();

    /** Logits (B, LENGTH, VOCAB) of two windows: window 0 has all LENGTH positions, window 1 only 3 (then padding). */
    private static float[] logits(long seed) {
        Random random = new Random(seed);
        float[] z = new float[2 * LENGTH * VOCAB];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) random.nextGaussian() * 2f;
        }
        return z;
    }

    private static List<SoftLabelEncoder.Window> windows() {
        List<SoftLabelEncoder.Window> windows = new ArrayList<>();
        windows.add(new SoftLabelEncoder.Window("a", 0, new int[] {1, 2, 3, 4, 5, 6, 7}));
        windows.add(new SoftLabelEncoder.Window("b", 0, new int[] {8, 9, 10, 11}));
        return windows;
    }

    private static List<SoftLabelEncoder.Result> encode(String codec, float[] z) {
        try (NDManager m = NDManager.newBaseManager()) {
            return new SoftLabelEncoder(IDENTITY, Codec.parse(codec), T)
                    .encode(m.create(z, new Shape(2, LENGTH, VOCAB)), windows(), Instant.EPOCH);
        }
    }

    private static int at(int window, int position, int id) {
        return (window * LENGTH + position) * VOCAB + id;
    }

    /** ln softmax(z / temperature) of one position, in doubles. */
    private static double[] logSoftmax(float[] z, int window, int position, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int id = 0; id < VOCAB; id++) {
            max = Math.max(max, z[at(window, position, id)] / temperature);
        }
        double sum = 0;
        for (int id = 0; id < VOCAB; id++) {
            sum += Math.exp(z[at(window, position, id)] / temperature - max);
        }
        double[] out = new double[VOCAB];
        for (int id = 0; id < VOCAB; id++) {
            out[id] = z[at(window, position, id)] / temperature - max - Math.log(sum);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"topk:12", "sampled:4"})
    void targetNatsAreTheTeachersCrossEntropyAtOne(String codec) {
        float[] z = logits(1);
        List<SoftLabelEncoder.Result> results = encode(codec, z);
        for (int w = 0; w < 2; w++) {
            int[] tokens = windows().get(w).tokens();
            double expected = 0;
            for (int j = 0; j + 1 < tokens.length; j++) {
                expected -= logSoftmax(z, w, j, 1)[tokens[j + 1]];
            }
            SoftLabels labels = assertInstanceOf(SoftLabelEncoder.Labelled.class, results.get(w))
                    .labels();
            assertEquals(expected, labels.getTargetNats(), 1e-4, codec + " window " + w);
        }
    }

    /**
     * topk:V keeps every id: its decoded log-probabilities are the teacher's at T, to the layout's quantization (1/16
     * nat steps from the maximum, at least one step below it, rescaled to the exact head mass).
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void topKCarriesTheDistributionAtT(long seed) {
        float[] z = logits(seed);
        SoftLabels labels = ((SoftLabelEncoder.Labelled) encode("topk:12", z).get(0)).labels();
        WindowLabels decoded = Codec.parse("topk:12").decode(labels.getPayload().array(), LENGTH, VOCAB);
        for (int j = 0; j < LENGTH; j++) {
            double[] expected = logSoftmax(z, 0, j, T);
            for (int m = 0; m < VOCAB; m++) {
                int id = decoded.ids()[j][m];
                assertEquals(expected[id], decoded.logProbs()[j][m], 0.1, "position " + j + " id " + id);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"topk:4", "sampled:4"})
    void aNaNOrInfiniteRowStopsItsWindowAtThatPosition(String codec) {
        float[][] poisons = {{Float.NaN}, {Float.POSITIVE_INFINITY}, negativeInfinities()};
        for (float[] poison : poisons) {
            float[] z = logits(4);
            for (int id = 0; id < poison.length; id++) {
                z[at(0, 3, id)] = poison[id];
            }
            List<SoftLabelEncoder.Result> results = encode(codec, z);
            String what = codec + " with " + poison.length + " x " + poison[0] + " at position 3";
            assertEquals(
                    3,
                    assertInstanceOf(SoftLabelEncoder.NonFinite.class, results.get(0), what)
                            .position());
            assertInstanceOf(SoftLabelEncoder.Labelled.class, results.get(1), what);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"topk:4", "sampled:4"})
    void aMinusInfinityAmongFiniteLogitsOrAnythingInThePaddingIsLabelled(String codec) {
        float[] z = logits(5);
        z[at(0, 2, 0)] = Float.NEGATIVE_INFINITY; // not token 3, the target there
        for (int id = 0; id < VOCAB; id++) {
            z[at(1, 4, id)] = Float.NaN; // window 1 has 3 positions: 4 is padding
        }
        List<SoftLabelEncoder.Result> results = encode(codec, z);
        assertInstanceOf(SoftLabelEncoder.Labelled.class, results.get(0), codec);
        assertInstanceOf(SoftLabelEncoder.Labelled.class, results.get(1), codec);
    }

    private static float[] negativeInfinities() {
        float[] row = new float[VOCAB];
        Arrays.fill(row, Float.NEGATIVE_INFINITY);
        return row;
    }
}
