package io.rill.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.rill.console.ConsoleRedis.Entry;
import io.rill.console.ConsoleRedis.GroupInfo;
import io.rill.console.ConsoleRedis.StreamInfo;
import io.rill.deadletter.DeadLetter;

/**
 * The console's routes under {@code rill.console.path}: four pages (streams, one stream, one group, one
 * entry), the assets, and one POST for every action. A GET never changes anything; an action is asked
 * about first (a confirmation page that posts the same form again with {@code confirmed=yes}), needs the
 * CSRF token and a same-origin page ({@link Access}), and is refused in read-only mode.
 */
@Controller("${rill.console.path:/rill-console}")
@Requires(bean = ConsoleConfiguration.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public class ConsoleController {

    private static final Logger log = LoggerFactory.getLogger(ConsoleController.class);

    private static final String HTML = MediaType.TEXT_HTML + ";charset=utf-8";
    private static final String CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final ConsoleConfiguration configuration;
    private final ConsoleRedis redis;
    private final LagHistory history;
    private final Access access;
    private final String base;

    ConsoleController(ConsoleConfiguration configuration, ConsoleRedis redis, LagHistory history) {
        this.configuration = configuration;
        this.redis = redis;
        this.history = history;
        this.access = Access.of(configuration);
        this.base = configuration.base();
        log.info("Rill console at {}/ ({}{})", base, configuration.isReadOnly() ? "read-only" : "with actions",
                configuration.getUsername() != null ? ", basic authentication" : configuration.isAnonymous() ? ", no login" : "");
    }

    // --- pages --------------------------------------------------------------------------------------

    @Get(uris = { "", "/" }, produces = HTML)
    HttpResponse<String> overview(HttpRequest<?> request, @Nullable @QueryValue String cursor, @Nullable @QueryValue String match,
            @Nullable @QueryValue String msg) {
        return page(request, pages -> {
            ConsoleRedis.StreamPage page = redis.streams(Cursors.KeyCursor.parse(cursor), match, configuration.getPageSize(), pages.now());
            page.streams().forEach(this::sample);
            return ok(pages.html().overview(page, cursor, match, msg));
        });
    }

    @Get(uri = "/stream", produces = HTML)
    HttpResponse<String> stream(HttpRequest<?> request, @QueryValue String key, @Nullable @QueryValue String before,
            @Nullable @QueryValue String after, @Nullable @QueryValue String msg) {
        return page(request, pages -> {
            Optional<StreamInfo> info = redis.stream(key, pages.now());
            if (info.isEmpty()) {
                return notFound(pages, "No stream " + key);
            }
            StreamInfo s = info.get();
            sample(s);
            int size = configuration.getPageSize();
            if (s.deadLetters()) {
                String cursor = Cursors.entryId(after).orElse(null);
                return ok(pages.html().stream(s, redis.entriesOldestFirst(key, cursor, size), cursor, true, msg));
            }
            String cursor = Cursors.entryId(before).orElse(null);
            return ok(pages.html().stream(s, redis.entriesNewestFirst(key, cursor, size), cursor, false, msg));
        });
    }

    @Get(uri = "/group", produces = HTML)
    HttpResponse<String> group(HttpRequest<?> request, @QueryValue String key, @QueryValue String group,
            @Nullable @QueryValue String after, @Nullable @QueryValue String msg) {
        return page(request, pages -> {
            Optional<StreamInfo> info = redis.stream(key, pages.now());
            Optional<GroupInfo> g = info.flatMap(s -> s.groups().stream().filter(x -> x.name().equals(group)).findFirst());
            if (g.isEmpty()) {
                return notFound(pages, "No group " + group + " on stream " + key);
            }
            sample(info.get());
            String cursor = Cursors.entryId(after).orElse(null);
            return ok(pages.html().group(info.get(), g.get(), redis.consumers(key, group),
                    redis.pending(key, group, cursor, configuration.getPageSize()), cursor, msg));
        });
    }

    @Get(uri = "/entry", produces = HTML)
    HttpResponse<String> entry(HttpRequest<?> request, @QueryValue String key, @QueryValue String id, @Nullable @QueryValue String msg) {
        return page(request, pages -> {
            if (Cursors.entryId(id).isEmpty()) {
                return notFound(pages, "Not an entry ID: " + id);
            }
            Optional<StreamInfo> info = redis.stream(key, pages.now());
            Optional<Entry> entry = info.isEmpty() ? Optional.empty() : redis.entry(key, id);
            if (entry.isEmpty()) {
                return notFound(pages, "No entry " + id + " in stream " + key);
            }
            boolean deadLetter = info.get().deadLetters() || entry.get().text(DeadLetter.STREAM).isPresent();
            return ok(pages.html().entry(key, entry.get(), deadLetter, msg));
        });
    }

    @Get(uri = "/assets/{name}")
    HttpResponse<byte[]> asset(String name) {
        String type = switch (name) {
            case "console.css" -> "text/css;charset=utf-8";
            case "console.js" -> "text/javascript;charset=utf-8";
            default -> null;
        };
        if (type == null) {
            return HttpResponse.notFound();
        }
        try (InputStream in = ConsoleController.class.getResourceAsStream("assets/" + name)) {
            if (in == null) {
                return HttpResponse.notFound();
            }
            return HttpResponse.ok(in.readAllBytes()).contentType(type).header(HttpHeaders.CACHE_CONTROL, "max-age=300")
                    .header("X-Content-Type-Options", "nosniff");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- actions ------------------------------------------------------------------------------------

    @Post(uri = "/action", consumes = MediaType.APPLICATION_FORM_URLENCODED, produces = HTML)
    HttpResponse<String> action(HttpRequest<?> request, @Body Map<String, String> form) {
        return page(request, pages -> {
            if (configuration.isReadOnly()) {
                return secured(HttpResponse.<String>status(HttpStatus.FORBIDDEN)
                        .body(pages.html().error("Read-only", "This console is read-only (rill.console.read-only): it does not act.")));
            }
            String cookie = request.getCookies().findCookie(Access.CSRF_COOKIE).map(Cookie::getValue).orElse(null);
            if (!Access.sameOrigin(cookie, form.get(Access.CSRF_FIELD), request.getHeaders().get(HttpHeaders.HOST),
                    request.getHeaders().get(HttpHeaders.ORIGIN), request.getHeaders().get(HttpHeaders.REFERER))) {
                log.warn("Refused a console action without a valid token or from another origin: {}", form.get("action"));
                return secured(HttpResponse.<String>status(HttpStatus.FORBIDDEN).body(pages.html().error("Refused",
                        "The action did not come from this console's page (missing or wrong token, or another origin). Reload the page and try again.")));
            }
            String action = form.getOrDefault("action", "");
            String key = form.get("key");
            String id = form.get("id");
            String group = form.get("group");
            String consumer = form.get("consumer") == null ? null : form.get("consumer").strip();
            if (key == null || key.isEmpty()) {
                return bad(pages, "The action names no stream.");
            }
            String streamPage = base + "/stream?key=" + url(key);
            String groupPage = base + "/group?key=" + url(key) + "&group=" + url(group == null ? "" : group);
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("key", key);
            String question;
            String back;
            switch (action) {
                case "redrive", "delete-dead-letter" -> {
                    if (Cursors.entryId(id).isEmpty()) {
                        return bad(pages, "Not an entry ID: " + id);
                    }
                    fields.put("id", id);
                    back = streamPage;
                    String source = redis.entry(key, id).flatMap(e -> e.text(DeadLetter.STREAM)).orElse("the stream it came from");
                    question = action.equals("redrive")
                            ? "Redrive dead letter " + id + " of " + key + "? It is added to " + source
                                    + " as a new entry, with its original fields, and deleted from " + key + "."
                            : "Delete dead letter " + id + " from " + key + "? It is gone for good, it cannot be redriven afterwards.";
                }
                case "redrive-all" -> {
                    back = streamPage;
                    question = "Redrive all dead letters of " + key + "? Each is added to the stream it came from as a new entry and deleted from " + key + ".";
                }
                case "claim" -> {
                    if (Cursors.entryId(id).isEmpty() || group == null || consumer == null || consumer.isEmpty() || consumer.length() > 200) {
                        return bad(pages, "A claim needs an entry ID, a group and a consumer name.");
                    }
                    long idle = parseLong(form.get("idle"));
                    fields.put("group", group);
                    fields.put("id", id);
                    fields.put("consumer", consumer);
                    fields.put("idle", Long.toString(idle));
                    back = groupPage;
                    question = "Give pending entry " + id + " of group " + group + " on " + key + " to consumer " + consumer
                            + "? Only if nobody took it since this page showed it (idle at least " + Pages.duration(idle) + ").";
                }
                case "delete-consumer" -> {
                    if (group == null || consumer == null || consumer.isEmpty()) {
                        return bad(pages, "Deleting a consumer needs a group and a consumer name.");
                    }
                    fields.put("group", group);
                    fields.put("consumer", consumer);
                    back = groupPage;
                    question = "Delete consumer " + consumer + " of group " + group + " on " + key
                            + "? Refused when it has pending entries.";
                }
                default -> {
                    return bad(pages, "Unknown action: " + action);
                }
            }
            if (!"yes".equals(form.get("confirmed"))) {
                return ok(pages.html().confirm(action, question, fields, back));
            }
            String result = perform(action, key, id, group, consumer, parseLong(form.get("idle")));
            log.info("Console action {} on {}: {}", action, key, result);
            return secured(HttpResponse.<String>seeOther(URI.create(back + "&msg=" + url(result))));
        });
    }

    private String perform(String action, String key, String id, String group, String consumer, long idle) {
        return switch (action) {
            case "redrive" -> redis.redrive(key, id) ? "Redrove dead letter " + id + "." : "Dead letter " + id + " was not redriven: it is gone, or not a Rill dead letter.";
            case "redrive-all" -> "Redrove " + redis.redriveAll(key) + " dead letters of " + key + ".";
            case "delete-dead-letter" -> redis.deleteEntry(key, id) ? "Deleted dead letter " + id + "." : "Dead letter " + id + " was already gone.";
            case "claim" -> redis.claim(key, group, id, consumer, idle) ? "Claimed " + id + " to " + consumer + "."
                    : "Did not claim " + id + ": it is no longer pending, or was delivered again since.";
            case "delete-consumer" -> redis.deleteIdleConsumer(key, group, consumer) ? "Deleted consumer " + consumer + "."
                    : "Refused: consumer " + consumer + " has pending entries. Claim them to another consumer first.";
            default -> throw new IllegalArgumentException(action);
        };
    }

    // --- plumbing -----------------------------------------------------------------------------------

    /** What a page handler gets: the renderer for this request and the server's time. */
    private record PageContext(Pages html, long now) {
    }

    private interface PageHandler extends Function<PageContext, MutableHttpResponse<String>> {
    }

    private MutableHttpResponse<String> page(HttpRequest<?> request, PageHandler handler) {
        switch (access.check(request.getHeaders().get(HttpHeaders.AUTHORIZATION))) {
            case ASK_FOR_LOGIN -> {
                return secured(HttpResponse.<String>unauthorized()
                        .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"Rill console\", charset=\"UTF-8\"")
                        .body("Log in to see the Rill console."));
            }
            case NOT_CONFIGURED -> {
                Pages pages = new Pages(base, true, 0, "", history, System.currentTimeMillis());
                return secured(HttpResponse.<String>status(HttpStatus.FORBIDDEN).body(pages.error("No access configured",
                        "The console is enabled but nobody may see it yet: set rill.console.username and rill.console.password, "
                                + "or add micronaut-security and a rule for " + base + "/**, or (on a trusted network only) "
                                + "rill.console.anonymous=true.")));
            }
            case ALLOW -> {
            }
        }
        Optional<String> cookie = request.getCookies().findCookie(Access.CSRF_COOKIE).map(Cookie::getValue)
                .filter(v -> v.matches("[0-9a-f]{48}"));
        String token = cookie.orElseGet(Access::newToken);
        long refresh = configuration.getRefresh() == null ? 0 : configuration.getRefresh().toSeconds();
        MutableHttpResponse<String> response;
        try {
            long now = redis.now();
            response = handler.apply(new PageContext(new Pages(base, configuration.isReadOnly(), refresh, token, history, now), now));
        } catch (RuntimeException e) {
            log.warn("Console page {} failed", request.getPath(), e);
            Pages pages = new Pages(base, configuration.isReadOnly(), 0, token, history, System.currentTimeMillis());
            response = HttpResponse.<String>status(HttpStatus.BAD_GATEWAY).body(pages.error("Redis did not answer as expected",
                    e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        if (cookie.isEmpty()) {
            response.cookie(Cookie.of(Access.CSRF_COOKIE, token).path(base.isEmpty() ? "/" : base).httpOnly(true)
                    .sameSite(SameSite.Strict));
        }
        return secured(response);
    }

    private void sample(StreamInfo s) {
        if (s.error() != null) {
            return;
        }
        long at = System.currentTimeMillis();
        for (GroupInfo g : s.groups()) {
            if (g.lag() != null) {
                history.record(s.key(), g.name(), at, g.lag());
            }
        }
    }

    private static MutableHttpResponse<String> ok(String html) {
        return HttpResponse.ok(html);
    }

    private static MutableHttpResponse<String> notFound(PageContext pages, String what) {
        return HttpResponse.<String>status(HttpStatus.NOT_FOUND).body(pages.html().notFound(what));
    }

    private static MutableHttpResponse<String> bad(PageContext pages, String what) {
        return HttpResponse.<String>status(HttpStatus.BAD_REQUEST).body(pages.html().error("Bad request", what));
    }

    private static MutableHttpResponse<String> secured(MutableHttpResponse<String> response) {
        return response.contentType(HTML)
                .header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "same-origin")
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
    }

    private static String url(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Math.max(0, Long.parseLong(s.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
