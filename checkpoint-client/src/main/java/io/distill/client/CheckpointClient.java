package io.distill.client;

import ai.djl.ndarray.NDManager;
import io.distill.lm.Sha256;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.model.Gpt;
import io.distill.schemas.AvroDecodeException;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes published student checkpoints: reads the compacted announcement topic ({@code distill.checkpoints}, keyed
 * by student) from the beginning, downloads an artifact by its URI ({@code file://} or {@code http(s)://}), checks
 * its sha256 against the announcement before anything else reads it, unpacks it and loads it with {@link
 * ModelBundle#load}.
 *
 * <pre>{@code
 * try (CheckpointClient client = new CheckpointClient(kafka, Topics.CHECKPOINTS, Path.of("models"))) {
 *     client.followModels("student-1m", model -> current.getAndSet(model), error -> log.warn(...));
 * }
 * }</pre>
 *
 * <p>The topic is read without a consumer group (manual assignment): every client sees every announcement. The
 * follow methods block until {@link #close} is called from another thread.
 */
public final class CheckpointClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointClient.class);
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private final Properties kafka;
    private final String topic;
    private final Path workDir;
    private final AvroSerde<CheckpointPublished> serde = DistillSerdes.checkpointPublished();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    private volatile KafkaConsumer<byte[], byte[]> following;
    private volatile boolean closed;

    /**
     * @param kafka client settings, bootstrap.servers included (security settings pass through)
     * @param topic the announcement topic
     * @param workDir where downloaded checkpoints are unpacked, one directory per student and version
     */
    public CheckpointClient(Properties kafka, String topic, Path workDir) {
        this.kafka = kafka;
        this.topic = topic;
        this.workDir = workDir;
    }

    /** The newest announcement of every student (or of {@code student} only), as the topic holds them now. */
    public Map<String, CheckpointPublished> latest(Optional<String> student, Duration timeout) {
        Map<String, CheckpointPublished> latest = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = assignFromBeginning(consumer, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    decode(r).filter(a -> matches(a, student)).ifPresent(a -> keepNewest(latest, a));
                }
            }
        }
        return latest;
    }

    /**
     * Calls {@code handler} with the newest announcement of each student (or of {@code student}) as the topic holds
     * them, then with every newer one as it arrives, until {@link #close}. Older versions of a student than one
     * already handed over are skipped.
     */
    public void follow(Optional<String> student, Consumer<CheckpointPublished> handler) {
        Map<String, CheckpointPublished> handed = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            following = consumer;
            if (closed) {
                return;
            }
            List<TopicPartition> partitions = assignFromBeginning(consumer, Duration.ofSeconds(60));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<String, CheckpointPublished> backlog = new LinkedHashMap<>();
            boolean caughtUp = false;
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Optional<CheckpointPublished> a = decode(r).filter(x -> matches(x, student));
                    if (a.isEmpty()) {
                        continue;
                    }
                    if (caughtUp) {
                        handOver(handed, a.get(), handler);
                    } else {
                        keepNewest(backlog, a.get());
                    }
                }
                if (!caughtUp && reached(consumer, end)) {
                    caughtUp = true;
                    backlog.values().forEach(a -> handOver(handed, a, handler));
                }
            }
        } catch (WakeupException e) {
            // close() was called
        } finally {
            following = null;
        }
    }

    /**
     * Hot reload: follows {@code student}'s announcements and loads each newer checkpoint; hands the new model to
     * {@code onModel}, then closes the previous one (so the callback must have swapped it out by the time it
     * returns). A checkpoint that fails (download, sha256, unpacking, loading) goes to {@code onError} and the
     * current model stays. Blocks until {@link #close}.
     */
    public void followModels(String student, Consumer<LoadedModel> onModel, Consumer<Exception> onError) {
        LoadedModel[] current = {null};
        follow(Optional.of(student), announcement -> {
            LoadedModel next;
            try {
                next = load(announcement);
            } catch (IOException | RuntimeException e) {
                onError.accept(e);
                return;
            }
            onModel.accept(next);
            if (current[0] != null) {
                current[0].close(); // the callback has swapped it out
            }
            current[0] = next; // the newest stays open: it belongs to the callback's owner now
        });
    }

    /** Downloads, verifies, unpacks and loads one checkpoint; the caller closes the result. */
    public LoadedModel load(CheckpointPublished announcement) throws IOException {
        Path dir = pull(announcement, workDir);
        NDManager manager = NDManager.newBaseManager();
        try {
            Gpt model = ModelBundle.load(dir, manager);
            return new LoadedModel(announcement, dir, model, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw new CheckpointRefusedException(
                    describe(announcement) + " refused: cannot load the bundle: " + e.getMessage(), e);
        }
    }

    /**
     * Downloads the artifact, verifies its sha256 and size, and unpacks it into {@code outDir/<student>/<version>}
     * (replacing an earlier copy). Nothing is unpacked when the hash does not match.
     *
     * @return the bundle directory
     * @throws CheckpointRefusedException on a hash or size mismatch, a failed download or a bad archive
     */
    public Path pull(CheckpointPublished announcement, Path outDir) throws IOException {
        requireSafe("student", announcement.getStudent());
        Path studentDir = outDir.resolve(announcement.getStudent());
        Files.createDirectories(studentDir);
        String tmpName = ".tmp-" + UUID.randomUUID();
        Path download = studentDir.resolve(tmpName + ".zip");
        Path unpacked = studentDir.resolve(tmpName);
        Path target = studentDir.resolve(Long.toString(announcement.getVersion()));
        try {
            String sha256 = download(announcement, download);
            if (!sha256.equalsIgnoreCase(announcement.getSha256())) {
                throw new CheckpointRefusedException(
                        describe(announcement) + " refused: the downloaded file's sha256 is " + sha256
                                + ", the announcement says " + announcement.getSha256() + "; nothing was loaded");
            }
            long size = Files.size(download);
            if (size != announcement.getSizeBytes()) {
                throw new CheckpointRefusedException(describe(announcement) + " refused: " + size
                        + " bytes downloaded, the announcement says " + announcement.getSizeBytes());
            }
            unzip(download, unpacked);
            deleteRecursively(target);
            Files.move(unpacked, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            Files.deleteIfExists(download);
            deleteRecursively(unpacked);
        }
    }

    /** Stops a running follow. */
    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c = following;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Copies the artifact to {@code file}, returning the sha256 of the bytes as they arrived. */
    private String download(CheckpointPublished a, Path file) throws IOException {
        URI uri;
        try {
            uri = URI.create(a.getUri());
        } catch (IllegalArgumentException e) {
            throw new CheckpointRefusedException(describe(a) + " refused: bad uri " + a.getUri(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "file" -> {
                try (InputStream in = Files.newInputStream(Path.of(uri))) {
                    return copyHashing(in, file);
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new CheckpointRefusedException(describe(a) + ": no file at " + uri, e);
                }
            }
            case "http", "https" -> {
                HttpRequest request = HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofMinutes(5))
                        .GET()
                        .build();
                try {
                    HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                    try (InputStream in = response.body()) {
                        if (response.statusCode() != 200) {
                            throw new CheckpointRefusedException(
                                    describe(a) + ": GET " + uri + " answered " + response.statusCode());
                        }
                        return copyHashing(in, file);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CheckpointRefusedException(describe(a) + ": interrupted while downloading " + uri, e);
                }
            }
            default ->
                throw new CheckpointRefusedException(
                        describe(a) + " refused: unsupported uri scheme '" + scheme + "' in " + uri);
        }
    }

    private static String copyHashing(InputStream in, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            return Sha256.copy(in, out);
        }
    }

    /** Unpacks a flat archive of plain file names; any other entry (a path, "..", a directory) is refused. */
    static void unzip(Path zip, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry entry;
            int entries = 0;
            while ((entry = in.getNextEntry()) != null) {
                String name = entry.getName();
                if (entry.isDirectory()
                        || !SAFE_NAME.matcher(name).matches()
                        || name.equals("..")
                        || name.equals(".")) {
                    throw new CheckpointRefusedException("refusing archive entry '" + name + "' in " + zip.getFileName()
                            + ": a bundle holds plain file names only");
                }
                try {
                    Files.copy(in, dir.resolve(name));
                } catch (FileAlreadyExistsException e) {
                    throw new CheckpointRefusedException(
                            "archive " + zip.getFileName() + " holds " + name + " twice", e);
                }
                entries++;
            }
            if (entries == 0) {
                throw new CheckpointRefusedException("archive " + zip.getFileName() + " is empty or not a zip");
            }
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private List<TopicPartition> assignFromBeginning(KafkaConsumer<byte[], byte[]> consumer, Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (no checkpoint was published yet?)");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return partitions;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private Optional<CheckpointPublished> decode(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return Optional.empty(); // a tombstone: the student was removed
        }
        try {
            return Optional.of(serde.decode(r.value()));
        } catch (AvroDecodeException e) {
            LOG.warn(
                    "skipping unreadable announcement at {}-{}@{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean matches(CheckpointPublished a, Optional<String> student) {
        return student.isEmpty() || student.get().equals(a.getStudent());
    }

    private static void keepNewest(Map<String, CheckpointPublished> latest, CheckpointPublished a) {
        latest.merge(a.getStudent(), a, (old, now) -> now.getVersion() >= old.getVersion() ? now : old);
    }

    private static void handOver(
            Map<String, CheckpointPublished> handed, CheckpointPublished a, Consumer<CheckpointPublished> handler) {
        CheckpointPublished previous = handed.get(a.getStudent());
        if (previous != null && a.getVersion() <= previous.getVersion()) {
            return;
        }
        handed.put(a.getStudent(), a);
        handler.accept(a);
    }

    private static String describe(CheckpointPublished a) {
        return "checkpoint " + a.getStudent() + " v" + a.getVersion();
    }

    private static void requireSafe(String what, String name) throws CheckpointRefusedException {
        if (!SAFE_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new CheckpointRefusedException("refusing " + what + " name '" + name + "'");
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
