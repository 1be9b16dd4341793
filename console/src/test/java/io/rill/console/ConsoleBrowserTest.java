package io.rill.console;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.models.stream.PendingMessage;
import io.micronaut.runtime.server.EmbeddedServer;
import io.rill.DeadLetterOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * The console end to end: a real Redis of its own, the console served by Micronaut on a free port, and
 * headless Chromium clicking through it. Groups here are made with plain commands (the console works on
 * any group) except the dead-letter test, which runs a real rill-core subscription (semantics 7: a poison
 * entry is dead-lettered, and a redriven one comes back as a new entry that the group handles).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings({ "unchecked", "try" }) // Lettuce's StreamOffset varargs; a subscription held open by try-with-resources
class ConsoleBrowserTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    final RedisServer server = RedisServer.start();
    final RedisFixture redis = new RedisFixture(server);
    RedisCommands<String, String> commands;
    EmbeddedServer console;
    EmbeddedServer readOnly;
    EmbeddedServer refreshing;
    ChromeDriver browser;
    Rill rill;

    @BeforeAll
    void start() {
        commands = redis.commands();
        console = Consoles.start(server, Map.of("rill.console.page-size", 50));
        readOnly = Consoles.start(server, Map.of("rill.console.read-only", true));
        refreshing = Consoles.start(server, Map.of("rill.console.refresh", "1s"));
        rill = Rill.create(redis.client());
        browser = Browser.start();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] { browser == null ? null : browser::quit, rill, close(console), close(readOnly),
                close(refreshing), redis, server }) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
    }

    @Test
    void listsAGroupWithItsLagConsumersAndOldestPendingEntries() {
        List<String> ids = redis.add("lag:orders", 5);
        commands.xgroupCreate(XReadArgs.StreamOffset.from("lag:orders", "0"), "audit"); // not a Rill group
        commands.xreadgroup(Consumer.from("audit", "c1"), XReadArgs.Builder.count(2), XReadArgs.StreamOffset.lastConsumed("lag:orders"));

        browser.get(Consoles.url(console) + "?match=lag:*");
        WebElement row = browser.findElement(By.cssSelector("tr.group[data-stream='lag:orders'][data-group='audit']"));
        assertEquals("3", row.findElement(By.cssSelector("td.lag")).getText()); // 5 entries, 2 delivered
        assertEquals("2", row.findElement(By.cssSelector("td.pending")).getText());
        assertEquals("1", row.findElement(By.cssSelector("td.consumers")).getText());
        String age = row.findElement(By.cssSelector("td.lag-age")).getText();
        assertFalse(age.equals("?") || age.equals("0 ms"), "the age of the oldest undelivered entry: " + age);
        WebElement stream = browser.findElement(By.cssSelector("tr.stream[data-stream='lag:orders']"));
        assertEquals("5", stream.findElement(By.cssSelector("td.length")).getText());
        assertTrue(stream.getText().contains(ids.get(0)) && stream.getText().contains(ids.get(4)), stream.getText());

        click(row.findElement(By.cssSelector("a.group-link")));
        WebElement consumer = browser.findElement(By.cssSelector("tr.consumer[data-consumer='c1']"));
        assertEquals("2", consumer.findElement(By.cssSelector("td.pending")).getText());
        List<WebElement> pending = browser.findElements(By.cssSelector("tr.pending-entry"));
        assertEquals(List.of(ids.get(0), ids.get(1)), pending.stream().map(e -> e.getDomAttribute("data-id")).toList());
        for (WebElement p : pending) {
            assertEquals("c1", p.findElement(By.cssSelector("td.owner")).getText());
            assertEquals("1", p.findElement(By.cssSelector("td.deliveries")).getText());
        }
    }

    @Test
    void thePageRefreshesByItself() {
        redis.add("refresh:orders", 3);
        commands.xgroupCreate(XReadArgs.StreamOffset.from("refresh:orders", "0"), "audit");
        browser.get(Consoles.url(refreshing) + "?match=refresh:*");
        By lag = By.cssSelector("tr.group[data-stream='refresh:orders'][data-group='audit'] td.lag");
        assertEquals("3", browser.findElement(lag).getText());

        redis.add("refresh:orders", 4);
        // no navigation from here: the page reloads itself and shows the new lag
        await().atMost(WAIT).ignoreExceptions().until(() -> "7".equals(browser.findElement(lag).getText()));
        // and the chart has the samples of both loads (3, then 7): a line
        By line = By.cssSelector("tr.group[data-stream='refresh:orders'][data-group='audit'] svg.lag-chart polyline");
        await().atMost(WAIT).ignoreExceptions().until(() -> !browser.findElements(line).isEmpty());
    }

    @Test
    void aPoisonEntrysDeadLetterIsShownAndRedrivingItHandsItBackToTheGroup() throws Exception {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicBoolean fixed = new AtomicBoolean();
        SubscriptionOptions options = SubscriptionOptions.builder()
                .streams("pay")
                .group("billing")
                .consumer("billing-1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(200))
                .retry(RetryOptions.builder().maxAttempts(1).build())
                .deadLetter(DeadLetterOptions.builder().maxFailures(1).build())
                .build();
        String poisonId = redis.add("pay", "n", "poison", "amount", "twelve");
        redis.add("pay", "n", "ok-1", "amount", "12");
        try (Subscription subscription = rill.subscribe(options, entry -> {
            if (entry.field("n").equals("poison") && !fixed.get()) {
                throw new NumberFormatException("For input string: \"" + entry.field("amount") + "\"");
            }
            handled.add(entry.field("n"));
        })) {
            await().atMost(WAIT).until(() -> handled.contains("ok-1") && commands.xlen("pay:dlq") == 1);

            browser.get(Consoles.url(console) + "?match=pay*");
            WebElement dlqStream = browser.findElement(By.cssSelector("tr.dlq-stream[data-stream='pay:dlq']"));
            assertEquals("1", dlqStream.findElement(By.cssSelector("td.length")).getText());
            click(dlqStream.findElement(By.cssSelector("a.stream-link")));

            WebElement letter = browser.findElement(By.cssSelector("tr.dead-letter"));
            assertEquals("failed", letter.findElement(By.cssSelector("td.reason")).getText());
            assertTrue(letter.findElement(By.cssSelector("td.error")).getText().contains("java.lang.NumberFormatException"));
            assertTrue(letter.findElement(By.cssSelector("td.error")).getText().contains("For input string: \"twelve\""));
            assertEquals("1", letter.findElement(By.cssSelector("td.failures")).getText());
            assertEquals(poisonId, letter.findElement(By.cssSelector("td.original-id")).getText());
            assertEquals("pay", letter.findElement(By.cssSelector("td.source")).getText());

            // the entry page shows the dead letter's fields
            click(letter.findElement(By.cssSelector("a.entry-link")));
            assertTrue(browser.findElement(By.cssSelector("table.fields")).getText().contains("twelve"));
            browser.get(Consoles.url(console) + "stream?key=pay:dlq");

            fixed.set(true); // the fix is deployed
            click(browser.findElement(By.cssSelector("tr.dead-letter form.redrive button")));
            assertTrue(browser.findElement(By.cssSelector("p.question")).getText().contains("added to pay as a new entry"));
            assertEquals(1, commands.xlen("pay:dlq"), "asking changes nothing");
            click(browser.findElement(By.id("confirm")));

            assertTrue(browser.findElement(By.cssSelector("p.msg")).getText().startsWith("Redrove dead letter"));
            assertTrue(browser.findElements(By.cssSelector("tr.dead-letter")).isEmpty());
            await().atMost(WAIT).until(() -> handled.contains("poison"));
            assertEquals(0, commands.xlen("pay:dlq"));
            await().atMost(WAIT).until(() -> redis.allAcked("pay", "billing"));
        }
    }

    @Test
    void deletesOneDeadLetterAndRedrivesAllTheOthers() {
        String doomed = deadLetter("bulk", "bulk:dlq");
        deadLetter("bulk", "bulk:dlq");
        deadLetter("bulk", "bulk:dlq");
        assertEquals(3, commands.xlen("bulk"));

        browser.get(Consoles.url(console) + "stream?key=bulk:dlq");
        click(browser.findElement(By.cssSelector("tr.dead-letter[data-id='" + doomed + "'] form.delete-dead-letter button")));
        assertTrue(browser.findElement(By.cssSelector("p.question")).getText().startsWith("Delete dead letter " + doomed));
        click(browser.findElement(By.id("confirm")));
        assertEquals(2, browser.findElements(By.cssSelector("tr.dead-letter")).size());
        assertEquals(2, commands.xlen("bulk:dlq"));
        assertEquals(3, commands.xlen("bulk"), "a deleted dead letter goes nowhere");

        click(browser.findElement(By.cssSelector("form.redrive-all button")));
        click(browser.findElement(By.id("confirm")));
        assertEquals("Redrove 2 dead letters of bulk:dlq.", browser.findElement(By.cssSelector("p.msg")).getText());
        assertEquals(0, commands.xlen("bulk:dlq"));
        List<Map<String, String>> redriven = redis.entries("bulk").subList(3, 5).stream().map(m -> m.getBody()).toList();
        assertEquals(List.of(Map.of("orderId", "A-1042", "amount", "twelve"), Map.of("orderId", "A-1042", "amount", "twelve")), redriven);
    }

    @Test
    void anEntrysFieldsAreShownEscapedAndBinaryValuesAsHex() {
        try (var connection = redis.client().connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            Map<String, byte[]> fields = new java.util.LinkedHashMap<>();
            fields.put("payload", new byte[] { 0, 1, (byte) 0xfe, 0x41 });
            fields.put("<i>name</i>", "<b id=\"injected\">hi</b>".getBytes(StandardCharsets.UTF_8));
            String id = connection.sync().xadd("bin", fields);

            browser.get(Consoles.url(console) + "entry?key=bin&id=" + id);
            List<WebElement> rows = browser.findElements(By.cssSelector("tr.field"));
            assertEquals("00 01 fe 41", rows.get(0).findElement(By.cssSelector("code.hex")).getText());
            assertEquals("<i>name</i>", rows.get(1).findElement(By.cssSelector("th")).getText());
            assertEquals("<b id=\"injected\">hi</b>", rows.get(1).findElement(By.cssSelector("td .value")).getText());
            assertTrue(browser.findElements(By.id("injected")).isEmpty(), "shown as text, never as markup");
            assertTrue(browser.findElements(By.cssSelector("main i")).isEmpty(), "shown as text, never as markup");
        }
    }

    @Test
    void readOnlyModeShowsEverythingAndOffersNoAction() throws Exception {
        String dlqId = deadLetter("ro", "ro:dlq");
        commands.xgroupCreate(XReadArgs.StreamOffset.from("ro", "0"), "g");
        commands.xreadgroup(Consumer.from("g", "c1"), XReadArgs.Builder.count(1), XReadArgs.StreamOffset.lastConsumed("ro"));
        commands.xgroupCreateconsumer("ro", Consumer.from("g", "idle"));

        for (EmbeddedServer c : List.of(console, readOnly)) {
            String base = Consoles.url(c);
            boolean ro = c == readOnly;
            for (String page : List.of("stream?key=ro:dlq", "entry?key=ro:dlq&id=" + dlqId, "group?key=ro&group=g")) {
                browser.get(base + page);
                assertFalse(browser.findElements(By.cssSelector("main table")).isEmpty(), page);
                assertEquals(ro, browser.findElements(By.cssSelector("form.action")).isEmpty(), page);
                assertEquals(ro, !browser.findElements(By.cssSelector(".badge.read-only")).isEmpty(), page);
            }
        }
        browser.get(Consoles.url(readOnly) + "stream?key=ro:dlq");
        assertEquals(dlqId, browser.findElement(By.cssSelector("tr.dead-letter")).getDomAttribute("data-id"));

        // a hand-made POST with a valid token is refused as well
        Consoles.Client client = new Consoles.Client();
        String token = Consoles.token(client.get(Consoles.url(console) + "stream?key=ro:dlq").body());
        Consoles.Client roClient = new Consoles.Client();
        roClient.get(Consoles.url(readOnly) + "stream?key=ro:dlq");
        var refused = roClient.post(Consoles.url(readOnly) + "action",
                Map.of("csrf", token, "action", "delete-dead-letter", "key", "ro:dlq", "id", dlqId, "confirmed", "yes"));
        assertEquals(403, refused.statusCode());
        assertEquals(1, commands.xlen("ro:dlq"));
    }

    @Test
    void aMillionEntryStreamIsPagedWithoutReadingItWhole() {
        // 1,000,000 entries, added inside Redis in steps of 100,000 (a Lua loop: no client round trips)
        for (int i = 0; i < 10; i++) {
            commands.eval("for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'n', i, 'payload', ARGV[2]) end",
                    ScriptOutputType.STATUS, new String[] { "big" }, "100000", "x".repeat(16));
        }
        assertEquals(1_000_000, commands.xlen("big"));
        long before = outputBytes();

        browser.get(Consoles.url(console) + "?match=big");
        assertEquals("1000000", browser.findElement(By.cssSelector("tr.stream[data-stream='big'] td.length")).getText());
        click(browser.findElement(By.cssSelector("tr.stream[data-stream='big'] a.stream-link")));
        List<String> page1 = entryIds();
        click(browser.findElement(By.cssSelector("nav.pager a.next")));
        List<String> page2 = entryIds();
        click(browser.findElement(By.cssSelector("nav.pager a.next")));
        List<String> page3 = entryIds();

        assertEquals(50, page1.size());
        assertEquals(50, page2.size());
        assertEquals(50, page3.size());
        List<String> newest = commands.xrevrange("big", Range.create("-", "+"), Limit.from(150)).stream().map(m -> m.getId()).toList();
        assertEquals(newest.subList(0, 50), page1); // newest first
        assertEquals(newest.subList(50, 100), page2); // page 2 goes on where page 1 ended
        assertEquals(newest.subList(100, 150), page3);
        assertTrue(Collections.disjoint(page1, page2));

        // what Redis sent to all its clients while the browser looked at three pages: a few pages' worth,
        // not the stream (1,000,000 entries are about 80 MB as Redis sends them)
        long sent = outputBytes() - before;
        assertTrue(sent < 2_000_000, "Redis sent " + sent + " bytes");
    }

    @Test
    void streamsAreFoundWithScanAPageAtATime() {
        Set<String> names = new java.util.TreeSet<>();
        for (int i = 0; i < 130; i++) {
            redis.add("many:" + i, "n", "1");
            names.add("many:" + i);
            commands.set("many:string:" + i, "not a stream");
        }
        long keysBefore = redis.calls("keys");
        long scansBefore = redis.calls("scan");

        browser.get(Consoles.url(console) + "?match=many:*");
        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        int pages = 0;
        while (true) {
            pages++;
            List<String> page = browser.findElements(By.cssSelector("tr.stream")).stream().map(e -> e.getDomAttribute("data-stream")).toList();
            pageSizes.add(page.size());
            seen.addAll(page);
            List<WebElement> next = browser.findElements(By.cssSelector("nav.pager a.next"));
            if (next.isEmpty()) {
                break;
            }
            click(next.get(0));
        }
        // page size 50: a page takes whole SCAN batches until it has 50, so it ends where a call ended
        for (int p = 0; p < pageSizes.size() - 1; p++) {
            assertTrue(pageSizes.get(p) >= 50, "page " + (p + 1) + " of " + pageSizes + " holds a full page");
        }
        assertTrue(pageSizes.size() >= 2, "130 streams take more than one page: " + pageSizes);
        assertEquals(names, new java.util.TreeSet<>(seen)); // every stream, and no string key
        assertEquals(130, seen.size(), "no stream twice");
        assertEquals(keysBefore, redis.calls("keys"));
        assertTrue(redis.calls("scan") > scansBefore);
    }

    @Test
    void aPendingEntriesListOf100kIsPagedWithoutReadingItWhole() {
        commands.eval("for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'n', i) end", ScriptOutputType.STATUS,
                new String[] { "pel" }, "100000");
        commands.xgroupCreate(XReadArgs.StreamOffset.from("pel", "0"), "g");
        // 100,000 entries delivered to two consumers inside Redis, so that nobody receives them
        commands.eval("redis.call('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', 60000, 'STREAMS', KEYS[1], '>') "
                + "redis.call('XREADGROUP', 'GROUP', 'g', 'c2', 'COUNT', 40000, 'STREAMS', KEYS[1], '>') return 1",
                ScriptOutputType.INTEGER, "pel");
        assertEquals(100_000, redis.pending("pel", "g"));
        long before = outputBytes();

        browser.get(Consoles.url(console) + "group?key=pel&group=g");
        assertEquals("60000", browser.findElement(By.cssSelector("tr.consumer[data-consumer='c1'] td.pending")).getText());
        assertEquals("40000", browser.findElement(By.cssSelector("tr.consumer[data-consumer='c2'] td.pending")).getText());
        List<String> page1 = pendingIds();
        click(browser.findElement(By.cssSelector("nav.pager a.next")));
        List<String> page2 = pendingIds();

        List<String> oldest = commands.xpending("pel", "g", Range.create("-", "+"), Limit.from(100)).stream().map(PendingMessage::getId).toList();
        assertEquals(oldest.subList(0, 50), page1); // oldest first
        assertEquals(oldest.subList(50, 100), page2);
        long sent = outputBytes() - before;
        assertTrue(sent < 1_000_000, "Redis sent " + sent + " bytes"); // 100,000 XPENDING rows are about 5 MB
    }

    @Test
    void claimsAStuckEntryToAnotherConsumerAndDeletesOnlyConsumersWithoutPendingEntries() throws Exception {
        String id = redis.add("claim:s", "n", "1");
        commands.xgroupCreate(XReadArgs.StreamOffset.from("claim:s", "0"), "g");
        commands.xreadgroup(Consumer.from("g", "stuck"), XReadArgs.Builder.count(1), XReadArgs.StreamOffset.lastConsumed("claim:s"));
        commands.xgroupCreateconsumer("claim:s", Consumer.from("g", "rescuer"));

        browser.get(Consoles.url(console) + "group?key=claim:s&group=g");
        assertTrue(browser.findElements(By.cssSelector("tr.consumer[data-consumer='stuck'] form.delete-consumer")).isEmpty(),
                "a consumer with pending entries offers no delete");
        WebElement entry = browser.findElement(By.cssSelector("tr.pending-entry[data-id='" + id + "']"));
        entry.findElement(By.name("consumer")).sendKeys("rescuer");
        click(entry.findElement(By.cssSelector("form.claim button")));
        assertTrue(browser.findElement(By.cssSelector("p.question")).getText().contains("to consumer rescuer"));
        assertEquals("stuck", owner("claim:s", "g", id), "asking changes nothing");
        click(browser.findElement(By.id("confirm")));
        assertTrue(browser.findElement(By.cssSelector("p.msg")).getText().startsWith("Claimed"));
        assertEquals("rescuer", owner("claim:s", "g", id));

        // now "stuck" has nothing pending: it can go
        click(browser.findElement(By.cssSelector("tr.consumer[data-consumer='stuck'] form.delete-consumer button")));
        click(browser.findElement(By.id("confirm")));
        assertTrue(browser.findElement(By.cssSelector("p.msg")).getText().startsWith("Deleted consumer stuck"));
        assertEquals(List.of("rescuer"), consumers("claim:s", "g"));

        // "rescuer" holds the entry: deleting it is refused, even when asked for by hand
        Consoles.Client client = new Consoles.Client();
        String token = Consoles.token(client.get(Consoles.url(console) + "group?key=claim:s&group=g").body());
        var refused = client.post(Consoles.url(console) + "action",
                Map.of("csrf", token, "action", "delete-consumer", "key", "claim:s", "group", "g", "consumer", "rescuer", "confirmed", "yes"));
        assertEquals(303, refused.statusCode());
        assertTrue(refused.headers().firstValue("Location").orElseThrow().contains("Refused"), refused.headers().toString());
        assertEquals(List.of("rescuer"), consumers("claim:s", "g"));
    }

    @Test
    void actionsNeedTheConsolesTokenAndOrigin() throws Exception {
        String dlqId = deadLetter("csrf", "csrf:dlq");
        String url = Consoles.url(console);
        Consoles.Client client = new Consoles.Client();
        String token = Consoles.token(client.get(url + "stream?key=csrf:dlq").body());
        Map<String, String> delete = Map.of("action", "delete-dead-letter", "key", "csrf:dlq", "id", dlqId, "confirmed", "yes");

        Map<String, String> noToken = delete;
        Map<String, String> wrongToken = with(delete, "csrf", "0".repeat(48));
        Map<String, String> rightToken = with(delete, "csrf", token);
        assertEquals(403, client.post(url + "action", noToken).statusCode());
        assertEquals(403, client.post(url + "action", wrongToken).statusCode());
        assertEquals(403, client.post(url + "action", rightToken, "Origin", "http://evil.example").statusCode());
        assertEquals(403, new Consoles.Client().post(url + "action", rightToken).statusCode()); // no cookie
        assertEquals(1, commands.xlen("csrf:dlq"));
        // GET never acts
        assertEquals(405, client.get(url + "action?" + "csrf=" + token + "&action=delete-dead-letter&key=csrf:dlq&id=" + dlqId
                + "&confirmed=yes").statusCode());
        assertEquals(1, commands.xlen("csrf:dlq"));

        assertEquals(303, client.post(url + "action", rightToken, "Origin", "http://127.0.0.1:" + console.getPort()).statusCode());
        assertEquals(0, commands.xlen("csrf:dlq"));
    }

    @Test
    void screenshotOfTheOverview() throws IOException {
        redis.add("orders", 240);
        commands.xgroupCreate(XReadArgs.StreamOffset.from("orders", "0"), "billing");
        commands.xgroupCreate(XReadArgs.StreamOffset.from("orders", "0"), "shipping");
        for (int i = 0; i < 3; i++) {
            commands.xreadgroup(Consumer.from("billing", "billing-" + i), XReadArgs.Builder.count(70), XReadArgs.StreamOffset.lastConsumed("orders"));
        }
        commands.xreadgroup(Consumer.from("shipping", "shipping-1"), XReadArgs.Builder.count(150), XReadArgs.StreamOffset.lastConsumed("orders"));
        deadLetter("orders", "orders:dlq");
        deadLetter("orders", "orders:dlq");
        // the picture shows a quarter of an hour that the test did not wait for: earlier samples, handed to
        // the console's history directly (the charts drawing real samples are held by thePageRefreshesByItself)
        LagHistory history = console.getApplicationContext().getBean(LagHistory.class);
        long now = System.currentTimeMillis();
        for (int m = 14 * 60; m > 0; m -= 20) {
            double t = m / 60.0;
            history.record("orders", "billing", now - m * 1000L, Math.round(32 + 25 * t + 12 * Math.sin(t * 2))); // draining
            history.record("orders", "shipping", now - m * 1000L, Math.round(92 - 4 * t + 6 * Math.sin(t * 1.7))); // slowly behind
        }
        browser.get(Consoles.url(console) + "?match=orders*");
        Path shot = Path.of(System.getProperty("console.screenshot", "target/console.png"));
        Files.createDirectories(shot.toAbsolutePath().getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        assertTrue(Files.size(shot) > 10_000, "a screenshot of " + Files.size(shot) + " bytes");
    }

    // --- helpers ------------------------------------------------------------------------------------

    /** Clicks something that loads another page, and waits until that page has replaced this one. */
    void click(WebElement element) {
        WebElement page = browser.findElement(By.tagName("html"));
        element.click();
        await().atMost(WAIT).until(() -> stale(page) && "complete".equals(browser.executeScript("return document.readyState")));
    }

    static boolean stale(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (StaleElementReferenceException e) {
            return true;
        }
    }

    static AutoCloseable close(EmbeddedServer server) {
        return server == null ? null : () -> server.getApplicationContext().close();
    }

    /** A dead letter as Rill writes it, of an entry of {@code stream}; returns its ID. */
    String deadLetter(String stream, String dlq) {
        String original = redis.add(stream, "orderId", "A-1042", "amount", "twelve");
        return redis.add(dlq, "orderId", "A-1042", "amount", "twelve", "rill.stream", stream, "rill.id", original, "rill.group", "billing",
                "rill.consumer", "billing-1", "rill.reason", "failed", "rill.error", "java.lang.NumberFormatException",
                "rill.message", "For input string: \"twelve\"", "rill.time", "2026-11-22T16:37:30.123Z", "rill.failures", "10",
                "rill.deliveries", "4");
    }

    List<String> entryIds() {
        List<String> ids = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("tr.entry"))) {
            ids.add(row.getDomAttribute("data-id"));
        }
        return ids;
    }

    List<String> pendingIds() {
        List<String> ids = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("tr.pending-entry"))) {
            ids.add(row.getDomAttribute("data-id"));
        }
        return ids;
    }

    long outputBytes() {
        for (String line : commands.info("stats").split("\r?\n")) {
            if (line.startsWith("total_net_output_bytes:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        throw new AssertionError("no total_net_output_bytes in INFO stats");
    }

    String owner(String stream, String group, String id) {
        List<PendingMessage> pending = commands.xpending(stream, group, Range.create(id, id), Limit.from(1));
        return pending.isEmpty() ? null : pending.get(0).getConsumer();
    }

    List<String> consumers(String stream, String group) {
        List<String> names = new ArrayList<>();
        for (Object c : commands.xinfoConsumers(stream, group)) {
            names.add(Replies.string(Replies.map(c).get("name")));
        }
        return names;
    }

    static Map<String, String> with(Map<String, String> form, String key, String value) {
        Map<String, String> copy = new java.util.HashMap<>(form);
        copy.put(key, value);
        return copy;
    }
}
