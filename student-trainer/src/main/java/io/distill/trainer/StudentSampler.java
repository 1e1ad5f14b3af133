package io.distill.trainer;

import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.Sampler;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.TextSample;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The student's side of on-policy distillation ({@code --on-policy}). After each applied step it writes as many
 * continuations as {@link OnPolicyRate} says are owed, from the weights just updated, to the text topic as {@code
 * TextSample}s with source {@code student:<name>@<version>}; the teacher labels them like any text. When their
 * labels come back, {@link #classify} tells the training loop whether they are fresh enough ({@link PolicyLag}).
 *
 * <p>Prompts are the first {@link OnPolicy#promptTokens} tokens of the off-policy windows trained in that step, so
 * they come from the incoming text. The cost per step is bounded: one batched generation of at most {@code --batch}
 * prompts and {@code --sample-tokens} new tokens, i.e. at most that many forward passes without gradient. When more
 * is owed, it stays owed for the next step.
 *
 * <p>Samples are sent with the idempotent producer, outside any transaction and not flushed before a checkpoint: a
 * crash between sending and checkpointing makes the restarted trainer write fresh samples for the same windows, so
 * there are extra samples, never missing input (see docs/guarantees.md).
 */
final class StudentSampler {
    private static final Logger LOG = LoggerFactory.getLogger(StudentSampler.class);

    private final String student;
    private final OnPolicy settings;
    private final PolicyLag lag;
    private final OnPolicyRate rate;
    private final OnPolicyMetrics metrics;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final Producer<byte[], byte[]> producer;
    private final int promptTokens;
    private final int maxSamplesPerStep;
    private final SplittableRandom random;
    private final AvroSerde<TextSample> serde = DistillSerdes.textSample();

    StudentSampler(
            TrainerConfig config, Gpt model, NDManager manager, Producer<byte[], byte[]> producer, TrainerMetrics all) {
        this.settings = config.onPolicy().orElseThrow();
        this.student = config.student();
        this.lag = new PolicyLag(student, settings.maxPolicyLag());
        this.rate = new OnPolicyRate(settings.lambda());
        this.metrics = all.onPolicy();
        this.tokenizer = config.origin().tokenizer();
        this.sampler = new Sampler(model, manager, tokenizer.eos());
        this.producer = producer;
        this.promptTokens = OnPolicy.promptTokens(config.model().context());
        this.maxSamplesPerStep = config.batchSize();
        this.random = new SplittableRandom(config.seed() ^ System.nanoTime());
    }

    /**
     * What a checked window is to this student at {@code version}: a stale own sample is counted (and its tokens
     * are owed again), a fresh one has its lag recorded.
     */
    PolicyLag.Verdict classify(TrainingWindow window, long version) {
        PolicyLag.Verdict verdict = lag.of(window.sampleId(), version);
        if (verdict instanceof PolicyLag.Stale) {
            metrics.skipped();
            rate.givenBack(window.positions());
        } else if (verdict instanceof PolicyLag.Fresh fresh) {
            metrics.accepted(fresh.lag());
        }
        return verdict;
    }

    /** Counts what the step at {@code version} trained, then writes the samples owed (bounded, see above). */
    void afterStep(List<TrainingWindow> trained, long version) {
        long on = 0;
        long off = 0;
        List<int[]> prompts = new ArrayList<>();
        for (TrainingWindow w : trained) {
            if (PolicyLag.version(w.sampleId(), student).isPresent()) {
                on += w.positions();
            } else {
                off += w.positions();
                if (w.tokens().length >= promptTokens && prompts.size() < maxSamplesPerStep) {
                    prompts.add(Arrays.copyOf(w.tokens(), promptTokens));
                }
            }
        }
        metrics.trained(off, on);
        rate.trainedOffPolicy(off);
        long owed = rate.tokensOwed();
        int perSample = promptTokens + settings.sampleTokens() - 1; // positions the teacher labels, about
        int n = (int) Math.min(prompts.size(), (owed + perSample - 1) / perSample);
        if (n > 0) {
            write(prompts.subList(0, n), version);
        }
    }

    private void write(List<int[]> prompts, long version) {
        int[][] continuations = sampler.generate(
                prompts.toArray(int[][]::new), settings.sampleTokens(), settings.temperature(), 0, random);
        int sent = 0;
        for (int i = 0; i < continuations.length; i++) {
            String text = text(prompts.get(i), continuations[i]);
            int positions = tokenizer.encodeDocument(text).length - 1; // what the teacher will label
            if (text.isBlank() || positions < 1) {
                continue; // the teacher would dead-letter it
            }
            String id = PolicyLag.sampleId(student, version, Long.toHexString(random.nextLong()));
            TextSample sample = TextSample.newBuilder()
                    .setId(id)
                    .setText(text)
                    .setSource(PolicyLag.source(student, version))
                    .setCreatedAt(Instant.now())
                    .build();
            producer.send(
                    new ProducerRecord<>(
                            settings.textTopic(), id.getBytes(StandardCharsets.UTF_8), serde.encode(sample)),
                    (meta, e) -> {
                        if (e != null) {
                            LOG.warn("could not write sample {} to {}: {}", id, settings.textTopic(), e.toString());
                        }
                    });
            rate.produced(positions);
            sent++;
        }
        metrics.produced(sent);
    }

    /** The text of prompt and continuation; ids the tokenizer does not know (extra embedding rows) are dropped. */
    private String text(int[] prompt, int[] continuation) {
        int[] ids = new int[prompt.length + continuation.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = i < prompt.length ? prompt[i] : continuation[i - prompt.length];
            if (id < tokenizer.vocabSize()) {
                ids[n++] = id;
            }
        }
        // Byte-level: a multi-byte character cut by the sampler becomes U+FFFD, and the teacher labels that text.
        return tokenizer.decodeText(Arrays.copyOf(ids, n));
    }
}
