package io.distill.trainer;

import io.distill.lm.Sha256;
import io.distill.lm.StoredZip;
import io.distill.lm.artifact.FileTrees;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.model.Gpt;
import io.distill.schemas.ArtifactChunks;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.WeightFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a checkpoint: exports the inference bundle in the chosen weight format, packs the bundle directory into
 * one stored (uncompressed) zip at {@code published/<student>/<version>.zip}, hashes the file's bytes with sha256,
 * and announces it with a {@code CheckpointPublished} record keyed by the student's name. The version is the
 * training step, so versions grow with training and a version names the same weights everywhere.
 *
 * <p>With the Kafka artifact store (the default) the zip's chunks, the tombstones of versions beyond {@code
 * --keep-published} and the announcement go in one transaction ({@link KafkaArtifactWriter}): a {@code
 * read_committed} consumer sees all of them or none, and the checkpoint outlives the trainer. With the HTTP store
 * the announcement alone is the transaction and names the trainer's URL (or the file without a server).
 */
final class Publisher {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    static final String SUFFIX = ".zip";
    private static final Pattern VERSION_FILE = Pattern.compile("\\d+\\.zip");

    private final TrainerConfig config;
    private final Producer<byte[], byte[]> producer;
    private final Path dir;
    private final KafkaArtifactWriter chunks;
    private final PublishedLedger ledger;
    private final AvroSerde<CheckpointPublished> serde = DistillSerdes.checkpointPublished();
    private volatile String httpBase;

    /** @param producer a transactional producer, its transactions initialised */
    Publisher(TrainerConfig config, Producer<byte[], byte[]> producer) throws IOException {
        this.config = config;
        this.producer = producer;
        this.dir = config.publishedRoot().resolve(config.student());
        Files.createDirectories(dir);
        this.chunks = new KafkaArtifactWriter(producer, config.artifacts().topic(), config.student());
        this.ledger = new PublishedLedger(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path leftover : files.filter(p -> p.getFileName().toString().startsWith(".tmp-"))
                    .toList()) {
                FileTrees.deleteRecursively(leftover);
            }
        }
    }

    /** Announce {@code BASE/checkpoints/...} URLs from now on, instead of {@code file://} ones. */
    void serveAt(String baseUrl) {
        httpBase = baseUrl + "/checkpoints/";
    }

    /** The newest published version on disk, or -1. */
    long lastVersion() throws IOException {
        return latestArtifact(dir).map(Publisher::versionOf).orElse(-1L);
    }

    /** The announcement's metrics: the holdout figures, and the lineage of a mixing student (its teachers' weights). */
    static Map<String, Double> announced(Map<String, Double> figures, Optional<TeacherWeights> teachers) {
        Map<String, Double> out = new TreeMap<>(figures);
        teachers.ifPresent(t -> out.putAll(t.lineage()));
        return Map.copyOf(out);
    }

    /**
     * Exports, packs and announces the model as version {@code step}. Waits for the broker's acknowledgement.
     *
     * @return the announcement
     */
    CheckpointPublished publish(Gpt model, long step, long tokensSeen, Map<String, Double> metrics)
            throws IOException, InterruptedException {
        Path bundle = dir.resolve(".tmp-" + step + "-bundle");
        Path zipTmp = dir.resolve(".tmp-" + step + SUFFIX);
        Path zip = dir.resolve(step + SUFFIX);
        try {
            ModelBundle.export(model, config.origin().companions(), bundle, config.publishFormat());
            StoredZip.writeDirectory(bundle, zipTmp);
            Files.move(zipTmp, zip, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            FileTrees.deleteRecursively(bundle);
            Files.deleteIfExists(zipTmp);
        }
        String sha256 = Sha256.hex(zip);
        long size = Files.size(zip);
        long cap = config.artifacts().maxArtifactBytes();
        if (size > cap) {
            throw new IOException("checkpoint " + step + " is " + size + " bytes, over --max-artifact-bytes " + cap
                    + "; not published (raise the cap, or publish a smaller --publish-format such as int8)");
        }
        CheckpointPublished.Builder announcement = CheckpointPublished.newBuilder()
                .setStudent(config.student())
                .setVersion(step)
                .setStep(step)
                .setTokensSeen(tokensSeen)
                .setCreatedAt(Instant.now())
                .setSha256(sha256)
                .setSizeBytes(size)
                .setFormat(WeightFormat.valueOf(config.publishFormat().name()))
                .setConfigJson(model.config().toJson())
                .setMetrics(announced(metrics, config.teachers()));
        CheckpointPublished published = announceInTransaction(announcement, zip, step, sha256, size);
        prune();
        return published;
    }

    /**
     * One transaction: with the Kafka store the chunks, then the tombstones of expired versions, then the
     * announcement naming the chunks; with the HTTP store the announcement only.
     */
    private CheckpointPublished announceInTransaction(
            CheckpointPublished.Builder announcement, Path zip, long step, String sha256, long size)
            throws IOException, InterruptedException {
        boolean inKafka = config.artifacts().kind() == ArtifactStore.Kind.KAFKA;
        Map<Long, Integer> expired = Map.of();
        CheckpointPublished a;
        try {
            producer.beginTransaction();
            if (inKafka) {
                ledger.record(step, ArtifactChunks.count(size));
                announcement.setUri(chunks.write(zip, step, sha256, size).uri().toString());
                expired = new TreeMap<>(ledger.beyondNewest(config.artifacts().keepPublished()));
                expired.remove(step);
                chunks.tombstone(expired);
            } else {
                String base = httpBase;
                announcement.setUri(
                        base != null
                                ? base + config.student() + "/" + step
                                : zip.toAbsolutePath().toUri().toString());
            }
            a = announcement.build();
            producer.send(new ProducerRecord<>(
                            config.checkpointsTopic(),
                            config.student().getBytes(StandardCharsets.UTF_8),
                            serde.encode(a)))
                    .get(60, TimeUnit.SECONDS);
            producer.commitTransaction();
        } catch (ExecutionException | TimeoutException | KafkaException | IOException e) {
            abort(e);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IOException(
                    "cannot publish checkpoint " + step + " on " + config.checkpointsTopic()
                            + (inKafka ? " and " + config.artifacts().topic() : "") + ": " + cause.getMessage(),
                    cause);
        }
        if (!expired.isEmpty()) {
            ledger.forget(expired.keySet());
            LOG.info(
                    "deleted versions {} of {} from {} (tombstones; --keep-published {})",
                    expired.keySet(),
                    config.student(),
                    config.artifacts().topic(),
                    config.artifacts().keepPublished());
        }
        return a;
    }

    /** Aborts the open transaction, unless the producer can no longer (fenced, or not in a transaction at all). */
    private void abort(Exception cause) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) { // KafkaException, or IllegalStateException from a closed producer
            cause.addSuppressed(e);
        }
    }

    /** Keeps the newest {@code keep} artifacts. */
    private void prune() throws IOException {
        List<Path> all = artifacts(dir);
        for (Path old : all.subList(0, Math.max(0, all.size() - config.keep()))) {
            LOG.info("deleting old published artifact {}", old);
            Files.deleteIfExists(old);
        }
    }

    /** The newest {@code <version>.zip} in {@code dir}, if any. */
    static Optional<Path> latestArtifact(Path dir) throws IOException {
        List<Path> all = artifacts(dir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Published artifacts in a student's directory, oldest version first. */
    static List<Path> artifacts(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(p ->
                            VERSION_FILE.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(Publisher::versionOf))
                    .toList());
        }
    }

    static long versionOf(Path artifact) {
        String name = artifact.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }
}
