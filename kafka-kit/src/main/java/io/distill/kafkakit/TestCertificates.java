package io.distill.kafkakit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and a broker certificate it signed, for 127.0.0.1 and localhost, made with the
 * JDK's own {@code keytool} (nothing downloaded, no extra library): PKCS12 stores valid for two days.
 *
 * @param brokerKeystore the broker's key and certificate chain
 * @param truststore the CA certificate, what clients trust
 * @param password the password of both stores and of the key
 */
public record TestCertificates(Path brokerKeystore, Path truststore, String password) {

    /** Generates the CA, the broker key and its signed certificate under {@code dir}. */
    public static TestCertificates generate(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String pw = "distill-test";
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        Path broker = dir.resolve("broker.p12");
        Path csr = dir.resolve("broker.csr");
        Path brokerPem = dir.resolve("broker.pem");
        Path trust = dir.resolve("truststore.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=distill test CA",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                ca.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                pw);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass",
                pw,
                "-file",
                caPem.toString());
        keytool(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-validity",
                "2",
                "-keystore",
                broker.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                pw);
        keytool(
                "-certreq",
                "-alias",
                "broker",
                "-keystore",
                broker.toString(),
                "-storepass",
                pw,
                "-file",
                csr.toString());
        keytool(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass",
                pw,
                "-infile",
                csr.toString(),
                "-outfile",
                brokerPem.toString(),
                "-ext",
                "san=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2");
        importCert(broker, "ca", caPem, pw);
        importCert(broker, "broker", brokerPem, pw); // the CA's reply: the broker's key now has its chain
        importCert(trust, "ca", caPem, pw);
        return new TestCertificates(broker, trust, pw);
    }

    /** Imports the PEM certificate {@code cert} into the PKCS12 {@code keystore} under {@code alias}. */
    private static void importCert(Path keystore, String alias, Path cert, String pw)
            throws IOException, InterruptedException {
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                alias,
                "-file",
                cert.toString(),
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                pw);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("keytool " + args[0] + " failed: " + output.strip());
        }
    }
}
