package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What can be checked of the containers without a Docker engine: the compose file parses (docker-compose v1
 * validates it offline), and every DISTILL_* variable the compose file or the Dockerfile sets is an option of the
 * command its service runs, so no setting is silently ignored.
 */
class ContainerConfigTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The distill command each distill service of docker-compose.yml runs. */
    private static final Map<String, String> SERVICE_COMMANDS =
            Map.of("teacher-service", "teacher", "student-trainer", "train", "teacher-init", "pretrain");
    /** Dockerfile targets and their entry-point command. */
    private static final Map<String, String> TARGET_COMMANDS =
            Map.of("teacher-service", "teacher", "student-trainer", "train");

    @Test
    void everyDistillVariableInTheComposeFileIsAnOptionOfItsService() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("docker-compose.yml").toFile());
        Set<String> checked = new HashSet<>();
        compose.path("services").fields().forEachRemaining(service -> {
            JsonNode environment = service.getValue().path("environment");
            List<String> variables = new ArrayList<>();
            environment.fieldNames().forEachRemaining(name -> {
                if (name.startsWith(EnvironmentDefaults.PREFIX)) {
                    variables.add(name);
                }
            });
            if (variables.isEmpty()) {
                return;
            }
            String command = SERVICE_COMMANDS.get(service.getKey());
            assertTrue(command != null, "service " + service.getKey() + " sets DISTILL_* variables; which command?");
            for (String variable : variables) {
                assertTrue(
                        optionVariables(command).contains(variable),
                        service.getKey() + " sets " + variable + ", which `distill " + command + "` has no option for");
                checked.add(service.getKey() + ":" + variable);
            }
        });
        assertTrue(checked.size() >= 10, "checked " + checked);
    }

    @Test
    void everyDistillVariableInTheDockerfileIsAnOptionOfItsTarget() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher stage = Pattern.compile("(?m)^FROM \\S+ AS (\\S+)$").matcher(dockerfile);
        List<int[]> bounds = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (stage.find()) {
            bounds.add(new int[] {stage.end()});
            names.add(stage.group(1));
        }
        int found = 0;
        for (int i = 0; i < names.size(); i++) {
            int end =
                    i + 1 < bounds.size() ? dockerfile.lastIndexOf("FROM", bounds.get(i + 1)[0]) : dockerfile.length();
            String body = dockerfile.substring(bounds.get(i)[0], end);
            Matcher env = Pattern.compile("(DISTILL_[A-Z_]+)=").matcher(body);
            while (env.find()) {
                String command = TARGET_COMMANDS.get(names.get(i));
                assertTrue(command != null, "stage " + names.get(i) + " sets " + env.group(1));
                assertTrue(optionVariables(command).contains(env.group(1)), names.get(i) + ": " + env.group(1));
                found++;
            }
        }
        assertEquals(4, found, "each service image sets its HTTP port and host");
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        boolean inCi = "true".equals(System.getenv("CI"));
        boolean present = Files.isExecutable(Path.of("/usr/bin/docker-compose"));
        if (inCi) {
            assertTrue(present, "docker-compose is not installed; .ci/run should install it");
        }
        assumeTrue(present, "docker-compose (v1) is not installed");
        Process process = new ProcessBuilder(
                        "docker-compose",
                        "-f",
                        ROOT.resolve("docker-compose.yml").toString(),
                        "config",
                        "-q")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertFalse(output.contains("ERROR"), output);
    }

    private static Set<String> optionVariables(String command) {
        CommandLine root = Distill.commandLine(Map.of());
        CommandLine sub = root.getSubcommands().get(command);
        Set<String> variables = new HashSet<>();
        for (OptionSpec option : sub.getCommandSpec().options()) {
            variables.add(EnvironmentDefaults.variableFor(option));
        }
        return variables;
    }
}
