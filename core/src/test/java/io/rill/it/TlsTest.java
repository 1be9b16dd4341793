package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SslOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.rill.DeadLetterOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.deadletter.DeadLetter;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;
import io.rill.testing.TestCertificates;

/**
 * The pipeline over TLS: a redis-server with a TLS port and a certificate of a throwaway CA, a client on
 * {@code rediss://} that trusts that CA through a truststore (as docs/operations.md shows), reading,
 * acknowledging, dead-lettering (semantics 7) and holding its consumer identity (semantics 5), as the
 * default user and as the least-privilege user of docs/operations.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTest {

    private RedisServer server;
    private RedisFixture admin;

    @BeforeAll
    void start() {
        server = RedisServer.startLocal(RedisServerOptions.builder().tls(true).build());
        admin = new RedisFixture(server); // setup and checks over the plain port
        admin.commands().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add("rill").add("on").add(">pw").addValues(PermissionsTest.RULES));
    }

    @AfterAll
    void stop() {
        admin.close();
        server.close();
    }

    /** What an application does (docs/operations.md): a rediss:// URI, and the server certificate's CA in a truststore. */
    private RedisClient tlsClient(String user) {
        String uri = user.isEmpty() ? server.tlsUri() : server.tlsUri().replace("rediss://", "rediss://" + user + ":pw@");
        File truststore = server.tlsCertificates().trustStore().toFile();
        String password = TestCertificates.PASSWORD;
        // tag::tls-client[]
        RedisClient client = RedisClient.create(uri); // rediss://user:password@redis.example.com:6380
        client.setOptions(ClientOptions.builder()
                .sslOptions(SslOptions.builder()
                        .jdkSslProvider()
                        .truststore(truststore, password) // PKCS12 or JKS holding the CA that signed the server's certificate
                        .build())
                .build());
        Rill rill = Rill.create(client);
        // end::tls-client[]
        rills.put(client, rill);
        return client;
    }

    /** The Rill made with each client. */
    private final Map<RedisClient, Rill> rills = new ConcurrentHashMap<>();

    @ParameterizedTest(name = "user ''{0}''")
    @ValueSource(strings = { "", "rill" })
    void entriesAreHandledAckedAndDeadLetteredOverTls(String user) {
        String stream = RedisFixture.unique("orders");
        admin.add(stream, 20, Map.of("n", "x"));
        String poison = admin.add(stream, "poison", "1");
        RedisClient client = tlsClient(user);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Rill rill = rills.remove(client)) {
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                    .startPosition(StartPosition.EARLIEST)
                    .blockTimeout(Duration.ofMillis(200))
                    .retry(RetryOptions.builder().nonRetryable(IllegalArgumentException.class).build())
                    .deadLetter(DeadLetterOptions.builder().build())
                    .build(), entry -> {
                        if (entry.field("poison") != null) {
                            throw new IllegalArgumentException("poison");
                        }
                        handled.add(entry.id());
                    });
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 20
                    && admin.entries(stream + ":dlq").size() == 1 && admin.pending(stream, "billing") == 0);
            assertEquals(SubscriptionState.RUNNING, sub.state(), String.valueOf(sub.lastError()));
            StreamMessage<String, String> dead = admin.entries(stream + ":dlq").get(0);
            assertEquals(poison, dead.getBody().get(DeadLetter.ID));
            assertEquals(DeadLetter.REASON_NON_RETRYABLE, dead.getBody().get(DeadLetter.REASON));
            assertEquals(1, admin.commands().exists("{" + stream + "}:rill:consumer:billing:c1"));
            // Rill's connections are the TLS port's
            String clients = admin.commands().clientList();
            String tlsPort = ":" + server.tlsUri().substring(server.tlsUri().lastIndexOf(':') + 1) + " ";
            long onTls = clients.lines().filter(l -> l.contains("laddr=127.0.0.1" + tlsPort)
                    && l.contains(" user=" + (user.isEmpty() ? "default" : user) + " ")).count();
            assertTrue(onTls >= 2, "the read and the command connection on the TLS port:\n" + clients);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        assertEquals(0, admin.commands().exists("{" + stream + "}:rill:consumer:billing:c1"));
    }
}
