package io.distill.trainer;

import io.distill.lm.Sha256;
import io.distill.lm.StoredZip;
import io.distill.lm.artifact.FileTrees;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.model.Gpt;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a checkpoint: exports the inference bundle in the chosen weight format, packs the bundle directory into
 * one stored (uncompressed) zip at {@code published/<student>/<version>.zip}, hashes the file's bytes with sha256,
 * and announces it with a {@code CheckpointPublished} record keyed by the student's name. The version is the
 * training step, so versions grow with training and a version names the same weights everywhere.
 */
final class Publisher {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    static final String SUFFIX = ".zip";
    private static final Pattern VERSION_FILE = Pattern.compile("\\d+\\.zip");

    private final TrainerConfig config;
    private final Producer<byte[], byte[]> producer;
    private final Path dir;
    private final AvroSerde<CheckpointPublished> serde = DistillSerdes.checkpointPublished();
    private volatile String httpBase;

    Publisher(TrainerConfig config, Producer<byte[], byte[]> producer) throws IOException {
        this.config = config;
        this.producer = producer;
        this.dir = config.publishedRoot().resolve(config.student());
        Files.createDirectories(dir);
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
        String base = httpBase;
        String uri = base != null
                ? base + config.student() + "/" + step
                : zip.toAbsolutePath().toUri().toString();
        CheckpointPublished announcement = CheckpointPublished.newBuilder()
                .setStudent(config.student())
                .setVersion(step)
                .setStep(step)
                .setTokensSeen(tokensSeen)
                .setCreatedAt(Instant.now())
                .setUri(uri)
                .setSha256(Sha256.hex(zip))
                .setSizeBytes(Files.size(zip))
                .setFormat(WeightFormat.valueOf(config.publishFormat().name()))
                .setConfigJson(model.config().toJson())
                .setMetrics(Map.copyOf(metrics))
                .build();
        try {
            producer.send(new ProducerRecord<>(
                            config.checkpointsTopic(),
                            config.student().getBytes(StandardCharsets.UTF_8),
                            serde.encode(announcement)))
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(
                    "cannot announce checkpoint " + step + " on " + config.checkpointsTopic() + ": " + e, e);
        }
        prune();
        return announcement;
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
