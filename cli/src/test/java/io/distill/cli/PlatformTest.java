package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The supported platforms (Linux x86_64 and aarch64) are named the same way in the three places that pick the
 * PyTorch natives: the Maven profiles of pom.xml (by the JVM's os.arch), the launcher {@code ./distill} (by uname)
 * and the Dockerfile (by BuildKit's TARGETARCH, through deploy/native-platform.sh); and each name is a real DJL
 * native jar for that platform.
 */
class PlatformTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** uname -s and -m of each supported machine, and the Docker architecture of its images. */
    private record Platform(String unameS, String unameM, String dockerArch, String javaOsArch) {}

    private static final List<Platform> SUPPORTED = List.of(
            new Platform("Linux", "x86_64", "amd64", "amd64"), new Platform("Linux", "aarch64", "arm64", "aarch64"));

    @Test
    void launcherDockerfileAndPomNameEachPlatformAlike() throws Exception {
        Map<String, String> pom = pomClassifiers();
        for (Platform p : SUPPORTED) {
            String launcher = launcherPlatform(p.unameS(), p.unameM());
            assertEquals(launcher, dockerPlatform(p.dockerArch()), "Dockerfile for " + p);
            assertEquals(launcher, pom.get(p.javaOsArch()), "pom.xml profiles for os.arch " + p.javaOsArch());
        }
        assertEquals("linux-x86_64", launcherPlatform("Linux", "amd64"), "some systems say amd64");
        assertEquals("linux-aarch64", launcherPlatform("Linux", "arm64"), "some systems say arm64");
        assertEquals("linux-x86_64", dockerPlatform(""), "the legacy builder sets no TARGETARCH");
    }

    @Test
    void unsupportedPlatformsAreRefusedNotGuessed() throws Exception {
        assertNotEquals(
                0,
                run("bash", "-c", "source ./distill && native_platform Darwin arm64")
                        .exitCode());
        assertNotEquals(
                0,
                run("bash", "-c", "source ./distill && native_platform Linux riscv64")
                        .exitCode());
        Result docker = run("sh", "deploy/native-platform.sh", "riscv64");
        assertNotEquals(0, docker.exitCode());
        assertTrue(docker.err().contains("linux/amd64 or linux/arm64"), docker.err());
    }

    /**
     * Each platform's classifier is a DJL pytorch-native-cpu jar of that platform, checked inside the jar. The jar of
     * the machine that runs this is always there (the build used it); the others only where someone fetched them
     * (`mvn dependency:get -Dartifact=ai.djl.pytorch:pytorch-native-cpu:VERSION:jar:linux-aarch64`).
     */
    @Test
    void eachClassifierIsARealNativeJarOfItsPlatform() throws Exception {
        String version = pomProperty("pytorch.version");
        Path dir =
                localRepository().resolve("ai/djl/pytorch/pytorch-native-cpu").resolve(version);
        String here = launcherPlatform(
                run("uname", "-s").out().strip(), run("uname", "-m").out().strip());
        for (String classifier : pomClassifiers().values()) {
            Path jar = dir.resolve("pytorch-native-cpu-" + version + "-" + classifier + ".jar");
            if (!Files.isRegularFile(jar)) {
                assertNotEquals(here, classifier, "this machine's natives must be in the local repository: " + jar);
                System.out.println("PlatformTest: " + jar.getFileName() + " not in the local repository; not checked");
                continue;
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                ZipEntry entry = file.getEntry("native/lib/pytorch.properties");
                Properties props = new Properties();
                try (InputStream in = file.getInputStream(entry)) {
                    props.load(in);
                }
                assertEquals(classifier, props.getProperty("classifier"), jar.toString());
                assertTrue(props.getProperty("libraries").contains("libtorch_cpu.so"), jar.toString());
            }
        }
    }

    /** os.arch to the classifier the pom picks on it: the default, and each profile activated by an arch. */
    private static Map<String, String> pomClassifiers() throws Exception {
        Document pom = pomDocument();
        Map<String, String> byArch = new LinkedHashMap<>();
        byArch.put("amd64", pomProperty("pytorch.native.classifier"));
        NodeList profiles = pom.getElementsByTagName("profile");
        for (int i = 0; i < profiles.getLength(); i++) {
            Element profile = (Element) profiles.item(i);
            NodeList arch = profile.getElementsByTagName("arch");
            NodeList classifier = profile.getElementsByTagName("pytorch.native.classifier");
            if (arch.getLength() == 1 && classifier.getLength() == 1) {
                byArch.put(
                        arch.item(0).getTextContent().trim(),
                        classifier.item(0).getTextContent().trim());
            }
        }
        return byArch;
    }

    private static String pomProperty(String name) throws Exception {
        Element properties = (Element) pomDocument()
                .getDocumentElement()
                .getElementsByTagName("properties")
                .item(0);
        return properties.getElementsByTagName(name).item(0).getTextContent().trim();
    }

    private static Document pomDocument() throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile());
    }

    private static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    private static String launcherPlatform(String unameS, String unameM) throws Exception {
        Result r = run("bash", "-c", "source ./distill && native_platform \"$1\" \"$2\"", "platform", unameS, unameM);
        assertEquals(0, r.exitCode(), "./distill refuses " + unameS + " " + unameM + ": " + r.err());
        return r.out().strip();
    }

    private static String dockerPlatform(String targetArch) throws Exception {
        Result r = run("sh", "deploy/native-platform.sh", targetArch);
        assertEquals(0, r.exitCode(), "deploy/native-platform.sh refuses '" + targetArch + "': " + r.err());
        return r.out().strip();
    }

    private record Result(int exitCode, String out, String err) {}

    private static Result run(String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("platform", ".err");
        try {
            Process p = new ProcessBuilder(command)
                    .directory(ROOT.toFile())
                    .redirectError(err.toFile())
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
            return new Result(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
