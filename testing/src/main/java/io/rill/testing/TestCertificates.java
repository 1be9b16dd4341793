package io.rill.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway certificate authority and a server certificate it signed, for a TLS-enabled local
 * {@code redis-server} ({@link RedisServerOptions.Builder#tls(boolean)}): valid for two days, for
 * {@code 127.0.0.1} and {@code localhost}, EC P-256 keys.
 *
 * <p>Made with the JDK's {@code keytool} (run as a process: the JDK has no public API that issues
 * certificates), and the JDK's {@link KeyStore} to write what redis-server reads (PEM certificates and a
 * PKCS#8 key) and what a Java client reads (a PKCS12 truststore with the CA). No other tool or library
 * is needed. Generated once per JVM into a temp dir that is deleted when the JVM exits.
 */
public final class TestCertificates {

    /** The password of every store made here; they protect nothing but throwaway test keys. */
    public static final String PASSWORD = "rill-test";

    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;
    private static TestCertificates shared;

    private final Path directory;

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    /** The certificates of this JVM, generated on first use. */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("rill-tls-");
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("rill-tls-cleanup").unstarted(() -> delete(dir)));
                shared = create(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temp dir for the test certificates", e);
            }
        }
        return shared;
    }

    /** Generates a CA and a server certificate into {@code directory}. */
    public static TestCertificates create(Path directory) {
        TestCertificates certificates = new TestCertificates(directory);
        try {
            Files.createDirectories(directory);
            certificates.generate();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test certificates to " + directory, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the test certificates keytool made in " + directory, e);
        }
        return certificates;
    }

    /** The CA's certificate, PEM: what clients trust ({@code redis-server --tls-ca-cert-file}). */
    public Path caCertificate() {
        return directory.resolve("ca.pem");
    }

    /** A PKCS12 truststore holding the CA's certificate, password {@link #PASSWORD}: for Java clients. */
    public Path trustStore() {
        return directory.resolve("truststore.p12");
    }

    /** The server's certificate, PEM, signed by the CA ({@code --tls-cert-file}). */
    public Path serverCertificate() {
        return directory.resolve("server.pem");
    }

    /** The server's private key, PEM, unencrypted PKCS#8 ({@code --tls-key-file}). */
    public Path serverKey() {
        return directory.resolve("server.key");
    }

    private void generate() throws IOException, GeneralSecurityException {
        Path ca = directory.resolve("ca.p12");
        Path server = directory.resolve("server.p12");
        Path request = directory.resolve("server.csr");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Rill test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", ca.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-validity", "2", "-keystore", server.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-keypass", PASSWORD);
        keytool("-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", PASSWORD,
                "-file", request.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD, "-infile", request.toString(),
                "-outfile", serverCertificate().toString(), "-rfc", "-validity", "2",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth");

        KeyStore caStore = load(ca);
        Certificate caCertificate = caStore.getCertificate("ca");
        Files.writeString(caCertificate(), pem("CERTIFICATE", caCertificate.getEncoded()), StandardCharsets.US_ASCII);
        Key key = load(server).getKey("server", PASSWORD.toCharArray());
        Files.writeString(serverKey(), pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII); // PKCS#8

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("rill-test-ca", caCertificate);
        try (OutputStream out = Files.newOutputStream(trustStore())) {
            trust.store(out, PASSWORD.toCharArray());
        }
    }

    private static KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private void keytool(String... args) throws IOException {
        String name = System.getProperty("os.name", "").startsWith("Windows") ? "keytool.exe" : "keytool";
        Path keytool = Path.of(System.getProperty("java.home"), "bin", name);
        if (!Files.isExecutable(keytool)) {
            throw new IllegalStateException("TLS tests make their certificates with the JDK's keytool, which is not at "
                    + keytool + ": run the tests on a JDK, not a JRE");
        }
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        command.add("-noprompt");
        command.addAll(List.of(args));
        Path log = directory.resolve("keytool.log");
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the test certificates", e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed (exit " + process.exitValue() + "): "
                    + Files.readString(log));
        }
    }

    private static void delete(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException | UncheckedIOException e) {
            // a temp dir left behind
        }
    }
}
