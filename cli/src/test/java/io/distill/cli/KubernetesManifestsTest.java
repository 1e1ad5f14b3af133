// Over 350 lines on purpose: one check per property of the manifests, with the typed-model walk they share.
package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.distill.schemas.KafkaClientSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The Kubernetes manifests of deploy/kubernetes, checked without a cluster: every document parses into fabric8's typed
 * model of the Kubernetes API with no field the model does not know, the kustomizations list every file, selectors
 * match their pods, probes ask for pages the services serve, and every environment variable is an option of the
 * command its container runs (as {@link ContainerConfigTest} checks for the compose file), a Kafka client setting,
 * or one of a few known others.
 */
class KubernetesManifestsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The distill command run by each image's entry point (the Dockerfile's targets). */
    private static final Map<String, String> IMAGE_COMMANDS =
            Map.of("distill/teacher-service", "teacher", "distill/student-trainer", "train");
    /** The paths each command's HTTP server answers (HttpEndpoint, CheckpointServer). */
    private static final Map<String, Set<String>> SERVED_PATHS = Map.of(
            "teacher",
            Set.of("/healthz", "/healthz/ready", "/healthz/live", "/metrics"),
            "train",
            Set.of("/healthz", "/healthz/ready", "/healthz/live", "/metrics", "/status"));
    /** Variables that are neither options nor Kafka settings: the JVM's, DJL's, and the downward API's. */
    private static final Set<String> OTHER_VARIABLES =
            Set.of("JAVA_TOOL_OPTIONS", "OPT_OUT_TRACKING", "POD_NAME", "POD_NAMESPACE");

    private static final Pattern DISTILL_JAR = Pattern.compile("distill\\.jar\\s+([a-z-]+)");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern THREADS = Pattern.compile("-Dai\\.djl\\.pytorch\\.num_threads=(\\d+)");

    @Test
    void everyKustomizationListsItsFilesAndOnlyExistingOnes() throws IOException {
        List<Path> kustomizations;
        try (Stream<Path> files = Files.walk(KUBERNETES)) {
            kustomizations = files.filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
                    .toList();
        }
        assertEquals(
                3, kustomizations.size(), "deploy/kubernetes, its base and the strimzi overlay: " + kustomizations);
        for (Path kustomization : kustomizations) {
            Path dir = kustomization.getParent();
            JsonNode k = YAML.readTree(kustomization.toFile());
            assertEquals("kustomize.config.k8s.io/v1beta1", k.path("apiVersion").asText(), kustomization.toString());
            assertEquals("Kustomization", k.path("kind").asText(), kustomization.toString());
            Set<Path> listed = new HashSet<>();
            for (JsonNode resource : k.path("resources")) {
                Path target = dir.resolve(resource.asText()).normalize();
                assertTrue(
                        Files.isRegularFile(target) || Files.isRegularFile(target.resolve("kustomization.yaml")),
                        kustomization + " lists " + resource.asText()
                                + ", which is neither a file nor a kustomization");
                assertFalse(dir.startsWith(target) && !dir.equals(target), "kustomize refuses a parent as base");
                listed.add(target);
            }
            for (JsonNode patch : k.path("patches")) {
                Path target = dir.resolve(patch.path("path").asText()).normalize();
                assertTrue(Files.isRegularFile(target), kustomization + " patch " + target);
                listed.add(target);
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".yaml") && !p.equals(kustomization))
                        .toList()) {
                    assertTrue(listed.contains(file), file + " is not listed in " + kustomization);
                }
            }
        }
    }

    @Test
    void everyManifestIsATypedResourceWithOnlyKnownFields() throws IOException {
        List<HasMetadata> resources = base();
        Map<Class<?>, Integer> kinds = new HashMap<>();
        for (HasMetadata resource : resources) {
            assertFalse(
                    resource instanceof GenericKubernetesResource,
                    resource.getKind() + " " + resource.getMetadata().getName() + " is no kind of the Kubernetes API");
            assertNotNull(resource.getMetadata().getName());
            unknownFields(
                    resource, resource.getKind() + "/" + resource.getMetadata().getName());
            kinds.merge(resource.getClass(), 1, Integer::sum);
        }
        assertEquals(1, kinds.get(Deployment.class), "the teacher");
        assertTrue(kinds.getOrDefault(StatefulSet.class, 0) >= 1, "a trainer");
        assertTrue(kinds.getOrDefault(Service.class, 0) >= 2, "teacher and trainer services");
        assertEquals(1, kinds.get(ConfigMap.class), "Kafka client settings");
    }

    @Test
    void theUnknownFieldCheckCatchesATypo() {
        HasMetadata typo = Serialization.unmarshal(
                "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"x\"},"
                        + " \"spec\": {\"selektor\": {\"a\": \"b\"}}}",
                HasMetadata.class);
        assertInstanceOf(Service.class, typo);
        AssertionError error = org.junit.jupiter.api.Assertions.assertThrows(
                AssertionError.class, () -> unknownFields(typo, "Service/x"));
        assertTrue(error.getMessage().contains("selektor"), error.getMessage());
    }

    @Test
    void everyPodIsConfiguredForTheCluster() throws IOException {
        List<HasMetadata> resources = base();
        int containers = 0;
        for (HasMetadata resource : resources) {
            PodTemplateSpec template = template(resource);
            if (template == null) {
                continue;
            }
            String where = resource.getKind() + "/" + resource.getMetadata().getName();
            PodSpec pod = template.getSpec();
            assertEquals(Boolean.FALSE, pod.getEnableServiceLinks(), where + ": enableServiceLinks: false");
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), where);
            assertEquals(10001L, pod.getSecurityContext().getFsGroup(), where + ": volumes owned by the image's user");
            for (Container container : pod.getContainers()) {
                String at = where + " " + container.getName();
                Map<String, String> env = values(container.getEnv());
                assertEquals("true", env.get("OPT_OUT_TRACKING"), at);
                String javaOptions = env.get("JAVA_TOOL_OPTIONS");
                assertNotNull(javaOptions, at + ": JAVA_TOOL_OPTIONS");
                assertTrue(javaOptions.contains("-XX:+ExitOnOutOfMemoryError"), at + ": " + javaOptions);
                assertTrue(javaOptions.contains("-Dai.djl.offline=true"), at + ": " + javaOptions);
                Map<String, Quantity> requests = container.getResources().getRequests();
                Map<String, Quantity> limits = container.getResources().getLimits();
                for (String resourceName : List.of("cpu", "memory")) {
                    assertNotNull(requests.get(resourceName), at + " requests " + resourceName);
                    assertNotNull(limits.get(resourceName), at + " limits " + resourceName);
                }
                assertEquals(
                        limits.get("memory").getNumericalAmount(),
                        requests.get("memory").getNumericalAmount(),
                        at + ": the heap is a share of the limit, so request what the pod may use");
                // One libtorch thread per core the pod has to itself: spinning threads on shared cores slow down.
                Matcher threads = THREADS.matcher(javaOptions);
                assertTrue(threads.find(), at + ": -Dai.djl.pytorch.num_threads in " + javaOptions);
                int cores = Math.max(
                        1,
                        requests.get("cpu")
                                .getNumericalAmount()
                                .setScale(0, RoundingMode.FLOOR)
                                .intValue());
                assertTrue(Integer.parseInt(threads.group(1)) <= cores, at + ": threads over requested cores");
                containers++;
            }
        }
        assertEquals(3, containers, "teacher, trainer, teacher-init");
    }

    @Test
    void everyVariableIsAnOptionOfItsCommandOrAKafkaSetting() throws IOException {
        List<HasMetadata> resources = base();
        Map<String, ConfigMap> configMaps = new HashMap<>();
        for (HasMetadata resource : resources) {
            if (resource instanceof ConfigMap map) {
                configMaps.put(map.getMetadata().getName(), map);
            }
        }
        Set<String> kafkaSettings = new HashSet<>();
        kafkaSettings.addAll(AdminClientConfig.configNames());
        kafkaSettings.addAll(ConsumerConfig.configNames());
        kafkaSettings.addAll(ProducerConfig.configNames());
        kafkaSettings.addAll(StreamsConfig.configDef().names());
        Set<String> checked = new HashSet<>();
        for (HasMetadata resource : resources) {
            PodTemplateSpec template = template(resource);
            if (template == null) {
                continue;
            }
            List<Container> all = new ArrayList<>(template.getSpec().getContainers());
            all.addAll(template.getSpec().getInitContainers());
            for (Container container : all) {
                String at = resource.getMetadata().getName() + " " + container.getName();
                String command = command(container);
                Map<String, String> variables = new LinkedHashMap<>();
                for (EnvFromSource from : container.getEnvFrom()) {
                    if (from.getConfigMapRef() != null) {
                        ConfigMap map = configMaps.get(from.getConfigMapRef().getName());
                        assertNotNull(
                                map,
                                at + " reads ConfigMap "
                                        + from.getConfigMapRef().getName());
                        variables.putAll(map.getData());
                    } else {
                        assertNotNull(from.getSecretRef(), at);
                        assertEquals(
                                Boolean.TRUE,
                                from.getSecretRef().getOptional(),
                                at + ": no Secret is in the manifests, so its reference must be optional");
                    }
                }
                Set<String> defined = new HashSet<>(variables.keySet());
                for (EnvVar var : container.getEnv()) {
                    if (var.getValue() != null) {
                        Matcher reference = REFERENCE.matcher(var.getValue());
                        while (reference.find()) {
                            assertTrue(
                                    defined.contains(reference.group(1)),
                                    at + ": " + var.getName() + " uses $(" + reference.group(1)
                                            + "), not defined before it");
                        }
                    }
                    defined.add(var.getName());
                    variables.put(var.getName(), var.getValue());
                }
                for (String name : variables.keySet()) {
                    if (name.startsWith(EnvironmentDefaults.PREFIX)) {
                        assertNotNull(command, at + " sets " + name + " but runs no distill command");
                        assertTrue(
                                optionVariables(command).contains(name),
                                at + " sets " + name + ", which `distill " + command + "` has no option for");
                    } else if (name.startsWith("KAFKA_")) {
                        Properties props = KafkaClientSettings.load(null, null, Map.of(name, "x"));
                        assertEquals(1, props.size(), at + ": " + name + " is no Kafka client setting");
                        String property = props.stringPropertyNames().iterator().next();
                        assertTrue(kafkaSettings.contains(property), at + ": " + name + " sets unknown " + property);
                    } else {
                        assertTrue(OTHER_VARIABLES.contains(name), at + " sets " + name + ", which nothing reads");
                    }
                    checked.add(at + ":" + name);
                }
                if (command != null && !command.equals("pretrain")) {
                    assertEquals("0.0.0.0", variables.get("DISTILL_HTTP_HOST"), at + ": reachable from the kubelet");
                }
            }
        }
        assertTrue(checked.size() >= 25, "checked " + checked);
    }

    @Test
    void probesAndServicesPointAtServedPortsAndPaths() throws IOException {
        List<HasMetadata> resources = base();
        List<HasMetadata> workloads = new ArrayList<>();
        Set<String> claims = new HashSet<>();
        for (HasMetadata resource : resources) {
            if (resource instanceof PersistentVolumeClaim claim) {
                claims.add(claim.getMetadata().getName());
            }
        }
        for (HasMetadata resource : resources) {
            PodTemplateSpec template = template(resource);
            if (template == null) {
                continue;
            }
            workloads.add(resource);
            String where = resource.getKind() + "/" + resource.getMetadata().getName();
            Map<String, String> selector = selector(resource);
            if (selector != null) {
                assertFalse(selector.isEmpty(), where);
                assertTrue(
                        template.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()),
                        where + ": selector " + selector + " does not match its pods "
                                + template.getMetadata().getLabels());
            }
            for (Volume volume : template.getSpec().getVolumes()) {
                if (volume.getPersistentVolumeClaim() != null) {
                    assertTrue(
                            claims.contains(volume.getPersistentVolumeClaim().getClaimName()),
                            where + ": claim "
                                    + volume.getPersistentVolumeClaim().getClaimName());
                }
            }
            if (resource instanceof Job) {
                continue;
            }
            for (Container container : template.getSpec().getContainers()) {
                String command = command(container);
                String at = where + " " + container.getName();
                Probe liveness = container.getLivenessProbe();
                Probe readiness = container.getReadinessProbe();
                assertNotNull(liveness, at + ": liveness probe");
                assertNotNull(readiness, at + ": readiness probe");
                assertNotNull(container.getStartupProbe(), at + ": startup probe, so liveness spares a slow start");
                assertTrue(
                        liveness.getFailureThreshold() * liveness.getPeriodSeconds()
                                > readiness.getFailureThreshold() * readiness.getPeriodSeconds(),
                        at + ": a pod goes unready well before it is restarted");
                String port = values(container.getEnv()).get("DISTILL_HTTP_PORT");
                for (Probe probe : List.of(liveness, readiness, container.getStartupProbe())) {
                    HTTPGetAction get = probe.getHttpGet();
                    assertNotNull(get, at + ": HTTP probes");
                    assertTrue(SERVED_PATHS.get(command).contains(get.getPath()), at + " probes " + get.getPath());
                    assertEquals(port, String.valueOf(containerPort(container, get.getPort())), at + " probe port");
                }
            }
        }
        int services = 0;
        for (HasMetadata resource : resources) {
            if (!(resource instanceof Service service)) {
                continue;
            }
            Map<String, String> selector = service.getSpec().getSelector();
            List<HasMetadata> backends = workloads.stream()
                    .filter(w ->
                            template(w).getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                    .toList();
            assertEquals(1, backends.size(), "Service " + service.getMetadata().getName() + " selects " + backends);
            Container container =
                    template(backends.get(0)).getSpec().getContainers().get(0);
            for (ServicePort port : service.getSpec().getPorts()) {
                containerPort(container, port.getTargetPort());
            }
            services++;
        }
        assertTrue(services >= 2);
    }

    @Test
    void theTeacherScalesUpToTheInputPartitions() throws IOException {
        Deployment teacher = only(base(), Deployment.class);
        int partitions =
                topics().get("distill.text").path("spec").path("partitions").asInt();
        assertEquals(4, partitions);
        int replicas = teacher.getSpec().getReplicas();
        assertTrue(replicas >= 1 && replicas <= partitions, "replicas " + replicas);
        assertEquals(
                "teacher",
                command(teacher.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)));
    }

    @Test
    void eachTrainerHasItsVolumeAndAStableAdvertisedName() throws IOException {
        List<HasMetadata> resources = base();
        int trainers = 0;
        for (HasMetadata resource : resources) {
            if (!(resource instanceof StatefulSet trainer)) {
                continue;
            }
            String name = trainer.getMetadata().getName();
            assertEquals(1, trainer.getSpec().getReplicas(), name + ": one trainer per student");
            Service headless = resources.stream()
                    .filter(r -> r instanceof Service s
                            && s.getMetadata()
                                    .getName()
                                    .equals(trainer.getSpec().getServiceName()))
                    .map(Service.class::cast)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(
                            name + ": no Service " + trainer.getSpec().getServiceName()));
            assertEquals("None", headless.getSpec().getClusterIP(), name + ": the governing Service is headless");
            assertTrue(trainer.getSpec()
                    .getTemplate()
                    .getMetadata()
                    .getLabels()
                    .entrySet()
                    .containsAll(headless.getSpec().getSelector().entrySet()));
            Container container =
                    trainer.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals("train", command(container));
            assertFalse(trainer.getSpec().getVolumeClaimTemplates().isEmpty(), name + ": volumeClaimTemplates");
            for (PersistentVolumeClaim claim : trainer.getSpec().getVolumeClaimTemplates()) {
                assertTrue(
                        container.getVolumeMounts().stream().anyMatch(m -> m.getName()
                                .equals(claim.getMetadata().getName())),
                        name + " mounts " + claim.getMetadata().getName());
            }
            Map<String, String> env = values(container.getEnv());
            String checkpointDir = env.get("DISTILL_CHECKPOINT_DIR");
            assertTrue(
                    container.getVolumeMounts().stream()
                            .anyMatch(m -> m.getMountPath().equals(checkpointDir)),
                    name + ": checkpoints on the claim");
            String url = env.get("DISTILL_ADVERTISED_URL");
            assertEquals(
                    "http://$(POD_NAME)." + headless.getMetadata().getName() + ".$(POD_NAMESPACE).svc:"
                            + env.get("DISTILL_HTTP_PORT"),
                    url,
                    name + ": the pod's stable DNS name under its headless Service");
            assertTrue(headless.getSpec().getPorts().stream()
                    .anyMatch(p -> String.valueOf(p.getPort()).equals(env.get("DISTILL_HTTP_PORT"))));
            String student = env.get("DISTILL_STUDENT");
            assertTrue(name.endsWith(student), name + " is the trainer of " + student);
            trainers++;
        }
        assertTrue(trainers >= 1);
    }

    @Test
    void theStrimziOverlayDeclaresTheFiveTopics() throws IOException {
        Map<String, JsonNode> topics = topics();
        assertEquals(
                Set.of(
                        "distill.text",
                        "distill.soft-labels",
                        "distill.checkpoints",
                        "distill.checkpoint-artifacts",
                        "distill.dead-letters"),
                topics.keySet());
        String cluster = null;
        for (Map.Entry<String, JsonNode> topic : topics.entrySet()) {
            GenericKubernetesResource resource = assertInstanceOf(
                    GenericKubernetesResource.class,
                    Serialization.unmarshal(topic.getValue().toString(), HasMetadata.class));
            assertEquals("kafka.strimzi.io/v1beta2", resource.getApiVersion());
            assertEquals("KafkaTopic", resource.getKind());
            String label = resource.getMetadata().getLabels().get("strimzi.io/cluster");
            assertNotNull(label, topic.getKey() + ": strimzi.io/cluster");
            assertTrue(cluster == null || cluster.equals(label), "one cluster");
            cluster = label;
            assertTrue(topic.getValue().path("spec").path("partitions").asInt() >= 1);
            assertTrue(topic.getValue().path("spec").path("replicas").asInt() >= 1);
        }
        for (String compacted : List.of("distill.checkpoints", "distill.checkpoint-artifacts")) {
            assertEquals(
                    "compact",
                    topics.get(compacted)
                            .path("spec")
                            .path("config")
                            .path("cleanup.policy")
                            .asText(),
                    compacted);
        }
        assertFalse(topics.get("distill.text").path("spec").path("config").has("cleanup.policy"));
        ConfigMap patch = assertInstanceOf(
                ConfigMap.class,
                parse(KUBERNETES.resolve("strimzi/kafka-client.yaml")).get(0));
        assertEquals(cluster + "-kafka-bootstrap:9092", patch.getData().get("KAFKA_BOOTSTRAP_SERVERS"));
    }

    @Test
    void theDashboardShowsOnlyDocumentedMetrics() throws IOException {
        String documented = Files.readString(ROOT.resolve("docs/metrics.md"));
        JsonNode dashboard = new ObjectMapper()
                .readTree(ROOT.resolve("deploy/observability/grafana-dashboard.json")
                        .toFile());
        Set<String> shown = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertFalse(panel.path("targets").isEmpty(), panel.path("title").asText());
            for (JsonNode target : panel.path("targets")) {
                Matcher metric = Pattern.compile("distill_[a-z0-9_]+")
                        .matcher(target.path("expr").asText());
                while (metric.find()) {
                    String name = metric.group().replaceFirst("_bucket$", "");
                    assertTrue(documented.contains("`" + name), name + " is not in docs/metrics.md");
                    shown.add(name);
                }
            }
        }
        for (String needed : List.of(
                "distill_teacher_tokens_per_second",
                "distill_trainer_consumer_lag_records",
                "distill_trainer_loss_nats",
                "distill_trainer_holdout_bits_per_byte",
                "distill_trainer_checkpoints_published_total",
                "distill_teacher_dead_letters_total",
                "distill_trainer_dead_letters_total")) {
            assertTrue(shown.contains(needed), "the dashboard shows " + needed);
        }
        JsonNode prometheus = YAML.readTree(
                ROOT.resolve("deploy/observability/prometheus.yml").toFile());
        assertTrue(prometheus.toString().contains("__meta_kubernetes_pod_label_app_kubernetes_io_part_of"));
        for (HasMetadata resource : base()) {
            PodTemplateSpec template = template(resource);
            if (template != null && !(resource instanceof Job)) {
                Map<String, String> annotations = template.getMetadata().getAnnotations();
                assertEquals(
                        "true",
                        annotations.get("prometheus.io/scrape"),
                        resource.getMetadata().getName());
                assertEquals("/metrics", annotations.get("prometheus.io/path"));
                String port = values(template.getSpec().getContainers().get(0).getEnv())
                        .get("DISTILL_HTTP_PORT");
                assertEquals(
                        port,
                        annotations.get("prometheus.io/port"),
                        resource.getMetadata().getName());
            }
        }
    }

    /** kubectl's own kustomize, where kubectl is installed: it builds both without a cluster. */
    @Test
    void kubectlBuildsBothKustomizations() throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/kubectl"))
                || Files.isExecutable(Path.of("/usr/local/bin/kubectl"));
        assumeTrue(present, "kubectl is not installed");
        int base = base().size();
        for (String dir : List.of("deploy/kubernetes", "deploy/kubernetes/strimzi")) {
            Process process = new ProcessBuilder(
                            "kubectl", "kustomize", ROOT.resolve(dir).toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String output = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue(), dir);
            int expected = dir.endsWith("strimzi") ? base + topics().size() : base;
            List<HasMetadata> built = parse(output);
            assertEquals(expected, built.size(), dir);
            for (HasMetadata resource : built) {
                assertEquals("distill", resource.getMetadata().getLabels().get("app.kubernetes.io/part-of"), dir);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The resources of the base, in the order its kustomization lists them. */
    private static List<HasMetadata> base() throws IOException {
        Path dir = KUBERNETES.resolve("base");
        List<HasMetadata> resources = new ArrayList<>();
        for (JsonNode file :
                YAML.readTree(dir.resolve("kustomization.yaml").toFile()).path("resources")) {
            resources.addAll(parse(dir.resolve(file.asText())));
        }
        return resources;
    }

    private static Map<String, JsonNode> topics() throws IOException {
        Map<String, JsonNode> topics = new LinkedHashMap<>();
        for (JsonNode document : documents(Files.readString(KUBERNETES.resolve("strimzi/topics.yaml")))) {
            topics.put(document.path("spec").path("topicName").asText(), document);
            assertEquals(
                    document.path("metadata").path("name").asText(),
                    document.path("spec").path("topicName").asText());
        }
        return topics;
    }

    private static List<HasMetadata> parse(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /** Each YAML document through fabric8's deserializer, which picks the model class by apiVersion and kind. */
    private static List<HasMetadata> parse(String yaml) throws IOException {
        List<HasMetadata> resources = new ArrayList<>();
        for (JsonNode document : documents(yaml)) {
            resources.add(Serialization.unmarshal(document.toString(), HasMetadata.class));
        }
        return resources;
    }

    private static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && !document.isNull() && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }

    /**
     * Fails on any field the typed model does not know: fabric8 keeps those in {@code additionalProperties} rather than
     * refusing them, so a misspelt {@code readinesProbe} would otherwise pass unnoticed.
     */
    private static void unknownFields(Object object, String path) {
        if (object == null) {
            return;
        }
        if (object instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                unknownFields(item, path + "[" + i++ + "]");
            }
            return;
        }
        if (object instanceof Map<?, ?> map) {
            map.forEach((key, value) -> unknownFields(value, path + "." + key));
            return;
        }
        if (!object.getClass().getName().startsWith("io.fabric8.")
                || object instanceof Quantity
                || object instanceof IntOrString) {
            return;
        }
        for (Method method : object.getClass().getMethods()) {
            if (method.getParameterCount() != 0
                    || Modifier.isStatic(method.getModifiers())
                    || !method.getName().startsWith("get")
                    || method.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = method.invoke(object);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(method.toString(), e);
            }
            if (method.getName().equals("getAdditionalProperties")) {
                Map<?, ?> extra = (Map<?, ?>) value;
                assertTrue(
                        extra == null || extra.isEmpty(),
                        path + ": unknown fields " + (extra == null ? "" : extra.keySet()));
            } else {
                unknownFields(value, path + "." + method.getName().substring(3));
            }
        }
    }

    private static PodTemplateSpec template(HasMetadata resource) {
        if (resource instanceof Deployment d) {
            return d.getSpec().getTemplate();
        } else if (resource instanceof StatefulSet s) {
            return s.getSpec().getTemplate();
        } else if (resource instanceof Job j) {
            return j.getSpec().getTemplate();
        }
        return null;
    }

    private static Map<String, String> selector(HasMetadata resource) {
        if (resource instanceof Deployment d) {
            return d.getSpec().getSelector().getMatchLabels();
        } else if (resource instanceof StatefulSet s) {
            return s.getSpec().getSelector().getMatchLabels();
        }
        return null;
    }

    /** The distill command a container runs: named after distill.jar in its command, else its image's entry point. */
    private static String command(Container container) {
        List<String> words = new ArrayList<>(container.getCommand());
        words.addAll(container.getArgs());
        String line = String.join(" ", words);
        Matcher jar = DISTILL_JAR.matcher(line);
        if (jar.find()) {
            return jar.group(1);
        }
        return words.isEmpty() ? IMAGE_COMMANDS.get(container.getImage()) : null;
    }

    private static int containerPort(Container container, IntOrString port) {
        for (ContainerPort p : container.getPorts()) {
            if (port.getStrVal() != null
                    ? port.getStrVal().equals(p.getName())
                    : port.getIntVal().equals(p.getContainerPort())) {
                return p.getContainerPort();
            }
        }
        throw new AssertionError(container.getName() + " has no port " + port);
    }

    private static Map<String, String> values(List<EnvVar> env) {
        Map<String, String> values = new HashMap<>();
        for (EnvVar var : env) {
            values.put(var.getName(), var.getValue());
        }
        return values;
    }

    private static <T> T only(List<HasMetadata> resources, Class<T> type) {
        List<T> found =
                resources.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), type.getSimpleName());
        return found.get(0);
    }

    private static Set<String> optionVariables(String command) {
        CommandLine sub = Distill.commandLine(Map.of()).getSubcommands().get(command);
        assertNotNull(sub, "no command distill " + command);
        Set<String> variables = new HashSet<>();
        for (OptionSpec option : sub.getCommandSpec().options()) {
            variables.add(EnvironmentDefaults.variableFor(option));
        }
        return variables;
    }
}
