package io.distill.kafkakit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * A real KRaft broker as managed Kafka runs it: clients connect over SASL_SSL (SCRAM-SHA-512 over TLS, with a CA and
 * broker certificate made for the test, {@link TestCertificates}), and KRaft's {@code StandardAuthorizer} allows
 * nothing without an ACL ({@code allow.everyone.if.no.acl.found=false}).
 *
 * <p>The broker's own PLAINTEXT listener stays on loopback for inter-broker traffic and for {@link #admin}, whose
 * anonymous principal is a super user: tests create users and ACLs through it. Everything under test connects to
 * {@link #bootstrapServers} with {@link #clientProperties}.
 */
public final class SecuredKafkaBroker implements AutoCloseable {
    public static final String MECHANISM = "SCRAM-SHA-512";

    private final EmbeddedKafkaBroker broker;
    private final int securePort;
    private final TestCertificates certificates;

    private SecuredKafkaBroker(EmbeddedKafkaBroker broker, int securePort, TestCertificates certificates) {
        this.broker = broker;
        this.securePort = securePort;
        this.certificates = certificates;
    }

    /** Makes the certificates under {@code dir} and starts a broker keeping its data there (deleted on close). */
    public static SecuredKafkaBroker start(Path dir) throws IOException, InterruptedException {
        TestCertificates certs = TestCertificates.generate(dir.resolve("tls"));
        int securePort = EmbeddedKafkaBroker.freePort();
        Map<String, String> settings = Map.ofEntries(
                Map.entry("sasl.enabled.mechanisms", MECHANISM),
                Map.entry(
                        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;"),
                Map.entry("ssl.keystore.type", "PKCS12"),
                Map.entry("ssl.keystore.location", certs.brokerKeystore().toString()),
                Map.entry("ssl.keystore.password", certs.password()),
                Map.entry("ssl.key.password", certs.password()),
                Map.entry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
                Map.entry("allow.everyone.if.no.acl.found", "false"),
                // The PLAINTEXT and CONTROLLER listeners (loopback, the broker's own and the tests' admin) are
                // anonymous.
                Map.entry("super.users", "User:ANONYMOUS"));
        EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, true, settings, Map.of("SASL_SSL", securePort));
        return new SecuredKafkaBroker(broker, securePort, certs);
    }

    /** The SASL_SSL listener. */
    public String bootstrapServers() {
        return "127.0.0.1:" + securePort;
    }

    /** A super user's admin client on the loopback PLAINTEXT listener, for setting up users and ACLs. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return Admin.create(props);
    }

    /** Creates (or changes the password of) a SCRAM-SHA-512 user. */
    public void addUser(String user, String password) throws InterruptedException, ExecutionException {
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password)))
                    .all()
                    .get();
        }
    }

    /** What a client of {@link #bootstrapServers} needs: SASL_SSL, SCRAM-SHA-512 as {@code user}, trusting the CA. */
    public Properties clientProperties(String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers());
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                        + password + "\";");
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", certificates.truststore().toString());
        p.put("ssl.truststore.password", certificates.password());
        return p;
    }

    @Override
    public void close() {
        broker.close();
    }
}
