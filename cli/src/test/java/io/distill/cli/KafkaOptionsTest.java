package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Where the bootstrap servers and client properties come from: flag, then environment, then the default. */
class KafkaOptionsTest {
    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Mixin
        KafkaOptions kafka;

        @Override
        public void run() {}
    }

    private static Properties resolve(Map<String, String> environment, String... args) {
        Probe probe = new Probe();
        new CommandLine(probe)
                .setDefaultValueProvider(new EnvironmentDefaults(environment))
                .parseArgs(args);
        return probe.kafka.clientProperties(environment);
    }

    private static String bootstrap(Map<String, String> environment, String... args) {
        return resolve(environment, args).getProperty("bootstrap.servers");
    }

    @Test
    void theDefaultIsLocalhost() {
        assertEquals("localhost:9092", bootstrap(Map.of()));
    }

    @Test
    void eitherVariableWinsOverTheDefault() {
        assertEquals("k:1", bootstrap(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:1")));
        assertEquals("d:1", bootstrap(Map.of("DISTILL_BOOTSTRAP", "d:1")));
        assertEquals("d:1", bootstrap(Map.of("DISTILL_BOOTSTRAP", "d:1", "KAFKA_BOOTSTRAP_SERVERS", "k:1")));
    }

    @Test
    void aFlagWinsOverBothVariables() {
        Map<String, String> both = Map.of("DISTILL_BOOTSTRAP", "d:1", "KAFKA_BOOTSTRAP_SERVERS", "k:1");
        assertEquals("f:1", bootstrap(both, "--bootstrap", "f:1"));
        assertEquals("f:1", bootstrap(both, "-b", "f:1"));
        assertEquals("f:1", bootstrap(both, "--bootstrap-server", "f:1"));
        assertEquals("x:1", bootstrap(both, "-X", "bootstrap.servers=x:1"));
        assertEquals("f:1", bootstrap(both, "-X", "bootstrap.servers=x:1", "-b", "f:1"));
    }

    @Test
    void xFlagsAreRepeatableAndWinOverKafkaVariables() {
        Properties props = resolve(
                Map.of("KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_CLIENT_ID", "env"),
                "-X",
                "security.protocol=SASL_SSL",
                "-Xsasl.mechanism=PLAIN");
        assertEquals("SASL_SSL", props.getProperty("security.protocol"));
        assertEquals("PLAIN", props.getProperty("sasl.mechanism"));
        assertEquals("env", props.getProperty("client.id"));
    }

    @Test
    void aliasesShareTheVariableOfTheFirstLongName() {
        CommandLine line = new CommandLine(new Probe());
        assertEquals(
                "DISTILL_BOOTSTRAP",
                EnvironmentDefaults.variableFor(line.getCommandSpec().findOption("--bootstrap-server")));
    }
}
