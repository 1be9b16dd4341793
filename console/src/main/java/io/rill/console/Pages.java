package io.rill.console;

import static io.rill.console.Html.param;
import static io.rill.console.Html.text;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rill.console.ConsoleRedis.ConsumerInfo;
import io.rill.console.ConsoleRedis.Entry;
import io.rill.console.ConsoleRedis.GroupInfo;
import io.rill.console.ConsoleRedis.PendingEntry;
import io.rill.console.ConsoleRedis.StreamInfo;
import io.rill.deadletter.DeadLetter;

/**
 * The console's HTML, written by hand: every page is a string built here from what {@link ConsoleRedis}
 * read, with every value from Redis passed through {@link Html#text} or {@link Html#param}. No script
 * besides the jar's own {@code console.js} (the reload), no style besides {@code console.css}, no
 * inline handlers, so the pages run under a strict Content-Security-Policy.
 */
final class Pages {

    /** Bytes of a value shown in a list; the entry page shows up to {@link #DETAIL_BYTES}. */
    static final int LIST_BYTES = 160;
    static final int DETAIL_BYTES = 64 * 1024;
    /** XINFO GROUPS gives no lag after deletions in the stream, or for a group set to an arbitrary ID. */
    private static final String UNKNOWN_LAG = " title=\"Redis cannot count it: entries were deleted from the stream, "
            + "or the group was created or moved to an ID\"";

    private final String base;
    private final boolean readOnly;
    private final long refreshSeconds;
    private final String csrf;
    private final LagHistory history;
    private final long nowMillis;

    Pages(String base, boolean readOnly, long refreshSeconds, String csrf, LagHistory history, long nowMillis) {
        this.base = base;
        this.readOnly = readOnly;
        this.refreshSeconds = refreshSeconds;
        this.csrf = csrf;
        this.history = history;
        this.nowMillis = nowMillis;
    }

    // --- pages --------------------------------------------------------------------------------------

    String overview(ConsoleRedis.StreamPage page, String cursor, String match, String msg) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Streams</h1>");
        message(b, msg);
        b.append("<form method=\"get\" action=\"").append(text(base)).append("/\" class=\"filter\">")
                .append("<label>Keys matching <input name=\"match\" value=\"").append(text(match == null ? "" : match))
                .append("\" placeholder=\"orders*\"></label> <button type=\"submit\">Filter</button></form>");
        List<StreamInfo> streams = page.streams();
        b.append("<table class=\"streams\"><thead><tr><th>Stream</th><th class=\"num\">Length</th><th>First ID</th>")
                .append("<th>Last ID</th><th class=\"num\">Groups</th></tr></thead><tbody>");
        for (StreamInfo s : streams) {
            b.append("<tr class=\"stream\" data-stream=\"").append(text(s.key())).append("\"><td>")
                    .append(streamLink(s.key()));
            if (s.deadLetters()) {
                b.append(" <span class=\"badge dlq\">dead letters</span>");
            }
            if (s.error() != null) {
                b.append("<td colspan=\"4\" class=\"error\">").append(text(s.error())).append("</td></tr>");
                continue;
            }
            b.append("</td><td class=\"num length\">").append(s.length()).append("</td><td class=\"id\">")
                    .append(text(dash(s.firstId()))).append("</td><td class=\"id\">").append(text(dash(s.lastId())))
                    .append("</td><td class=\"num\">").append(s.groups().size()).append("</td></tr>");
        }
        if (streams.isEmpty()) {
            b.append("<tr><td colspan=\"5\" class=\"empty\">No streams on this page.</td></tr>");
        }
        b.append("</tbody></table>");
        String more = page.next() == null ? null
                : text(base) + "/?cursor=" + param(page.next().toString()) + (match == null || match.isBlank() ? "" : "&amp;match=" + param(match));
        pager(b, !Cursors.KeyCursor.parse(cursor).start() ? text(base) + "/" + (match == null || match.isBlank() ? "" : "?match=" + param(match)) : null,
                more, "Next streams");

        b.append("<h2>Consumer groups</h2>");
        groupsTable(b, streams, true);

        b.append("<h2>Dead-letter streams</h2>");
        b.append("<table class=\"dead-letter-streams\"><thead><tr><th>Stream</th><th class=\"num\">Dead letters</th>")
                .append("<th>Oldest</th><th>Newest</th></tr></thead><tbody>");
        boolean any = false;
        for (StreamInfo s : streams) {
            if (s.error() == null && s.deadLetters()) {
                any = true;
                b.append("<tr class=\"dlq-stream\" data-stream=\"").append(text(s.key())).append("\"><td>").append(streamLink(s.key()))
                        .append("</td><td class=\"num length\">").append(s.length()).append("</td><td class=\"id\">")
                        .append(text(dash(s.firstId()))).append(" ").append(age(s.firstId())).append("</td><td class=\"id\">")
                        .append(text(dash(s.lastId()))).append(" ").append(age(s.lastId())).append("</td></tr>");
            }
        }
        if (!any) {
            b.append("<tr><td colspan=\"4\" class=\"empty\">None among the streams on this page.</td></tr>");
        }
        b.append("</tbody></table>");
        return layout("Streams", b, true);
    }

    String stream(StreamInfo s, Cursors.Page<Entry> entries, String cursor, boolean deadLetters, String msg) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Stream <span class=\"key\">").append(text(s.key())).append("</span>");
        if (deadLetters) {
            b.append(" <span class=\"badge dlq\">dead letters</span>");
        }
        b.append("</h1>");
        message(b, msg);
        b.append("<dl class=\"summary\"><dt>Length</dt><dd class=\"length\">").append(s.length()).append("</dd><dt>First ID</dt><dd>")
                .append(text(dash(s.firstId()))).append("</dd><dt>Last ID</dt><dd>").append(text(dash(s.lastId())))
                .append("</dd></dl>");
        if (!s.groups().isEmpty()) {
            b.append("<h2>Consumer groups</h2>");
            groupsTable(b, List.of(s), false);
        }
        String self = text(base) + "/stream?key=" + param(s.key());
        if (deadLetters) {
            b.append("<h2>Dead letters, oldest first</h2>");
            if (!readOnly && s.length() > 0) {
                b.append("<div class=\"bulk\">");
                actionForm(b, "redrive-all", "Redrive all", Map.of("key", s.key()), "");
                b.append("</div>");
            }
            deadLetterTable(b, s.key(), entries.items());
            pager(b, cursor != null ? self : null, entries.next().map(n -> self + "&amp;after=" + param(n)).orElse(null), "Next dead letters");
        } else {
            b.append("<h2>Entries, newest first</h2>");
            b.append("<table class=\"entries\"><thead><tr><th>ID</th><th>Fields</th></tr></thead><tbody>");
            for (Entry e : entries.items()) {
                b.append("<tr class=\"entry\" data-id=\"").append(text(e.id())).append("\"><td class=\"id\">")
                        .append(entryLink(s.key(), e.id())).append("</td><td>");
                fieldsInline(b, e);
                b.append("</td></tr>");
            }
            if (entries.items().isEmpty()) {
                b.append("<tr><td colspan=\"2\" class=\"empty\">No entries.</td></tr>");
            }
            b.append("</tbody></table>");
            pager(b, cursor != null ? self : null, entries.next().map(n -> self + "&amp;before=" + param(n)).orElse(null), "Older entries");
        }
        return layout(s.key(), b, true);
    }

    String group(StreamInfo s, GroupInfo g, List<ConsumerInfo> consumers, Cursors.Page<PendingEntry> pending, String cursor, String msg) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Group <span class=\"key\">").append(text(g.name())).append("</span> on ").append(streamLink(s.key()))
                .append("</h1>");
        message(b, msg);
        b.append("<dl class=\"summary\"><dt>Lag</dt><dd class=\"lag\">").append(g.lag() == null ? "?" : g.lag())
                .append(" entries</dd><dt>Lag age</dt><dd class=\"lag-age\">").append(g.lagMillis() == null ? "?" : duration(g.lagMillis()))
                .append("</dd><dt>Pending</dt><dd class=\"pending\">").append(g.pending()).append("</dd><dt>Last delivered</dt><dd>")
                .append(text(dash(g.lastDeliveredId()))).append("</dd></dl>");
        b.append("<figure class=\"chart\">")
                .append(LagHistory.svg(history.samples(s.key(), g.name(), nowMillis), nowMillis, history.window().toMillis(), 480, 96))
                .append("<figcaption>Lag (entries), last ").append(window()).append("</figcaption></figure>");

        b.append("<h2>Consumers</h2><table class=\"consumers\"><thead><tr><th>Consumer</th><th class=\"num\">Pending</th>")
                .append("<th class=\"num\">Idle</th><th class=\"num\">Inactive</th>").append(readOnly ? "" : "<th></th>")
                .append("</tr></thead><tbody>");
        for (ConsumerInfo c : consumers) {
            b.append("<tr class=\"consumer\" data-consumer=\"").append(text(c.name())).append("\"><td>").append(text(c.name()))
                    .append("</td><td class=\"num pending\">").append(c.pending()).append("</td><td class=\"num\">")
                    .append(duration(c.idleMillis())).append("</td><td class=\"num\">")
                    .append(c.inactiveMillis() == null || c.inactiveMillis() < 0 ? "-" : duration(c.inactiveMillis())).append("</td>");
            if (!readOnly) {
                b.append("<td>");
                if (c.pending() == 0) {
                    actionForm(b, "delete-consumer", "Delete", Map.of("key", s.key(), "group", g.name(), "consumer", c.name()), "");
                } else {
                    b.append("<span class=\"note\">has pending entries</span>");
                }
                b.append("</td>");
            }
            b.append("</tr>");
        }
        if (consumers.isEmpty()) {
            b.append("<tr><td colspan=\"5\" class=\"empty\">No consumers.</td></tr>");
        }
        b.append("</tbody></table>");

        b.append("<datalist id=\"consumer-names\">");
        for (ConsumerInfo c : consumers) {
            b.append("<option value=\"").append(text(c.name())).append("\"></option>");
        }
        b.append("</datalist>");
        b.append("<h2>Pending entries, oldest first</h2><table class=\"pending-entries\"><thead><tr><th>ID</th><th>Consumer</th>")
                .append("<th class=\"num\">Idle</th><th class=\"num\">Deliveries</th>").append(readOnly ? "" : "<th>Claim to</th>")
                .append("</tr></thead><tbody>");
        for (PendingEntry p : pending.items()) {
            b.append("<tr class=\"pending-entry\" data-id=\"").append(text(p.id())).append("\"><td class=\"id\">")
                    .append(entryLink(s.key(), p.id())).append("</td><td class=\"owner\">").append(text(p.consumer()))
                    .append("</td><td class=\"num\">").append(duration(p.idleMillis())).append("</td><td class=\"num deliveries\">")
                    .append(p.deliveries()).append("</td>");
            if (!readOnly) {
                b.append("<td>");
                Map<String, String> fields = new LinkedHashMap<>();
                fields.put("key", s.key());
                fields.put("group", g.name());
                fields.put("id", p.id());
                fields.put("idle", Long.toString(p.idleMillis()));
                actionForm(b, "claim", "Claim", fields,
                        "<input name=\"consumer\" list=\"consumer-names\" required placeholder=\"consumer\" aria-label=\"consumer\"> ");
                b.append("</td>");
            }
            b.append("</tr>");
        }
        if (pending.items().isEmpty()) {
            b.append("<tr><td colspan=\"5\" class=\"empty\">Nothing pending.</td></tr>");
        }
        b.append("</tbody></table>");
        String self = text(base) + "/group?key=" + param(s.key()) + "&amp;group=" + param(g.name());
        pager(b, cursor != null ? self : null, pending.next().map(n -> self + "&amp;after=" + param(n)).orElse(null), "Next pending entries");
        return layout(g.name() + " on " + s.key(), b, true);
    }

    String entry(String stream, Entry e, boolean deadLetters, String msg) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Entry <span class=\"key\">").append(text(e.id())).append("</span> in ").append(streamLink(stream)).append("</h1>");
        message(b, msg);
        if (deadLetters && !readOnly) {
            b.append("<div class=\"bulk\">");
            actionForm(b, "redrive", "Redrive", Map.of("key", stream, "id", e.id()), "");
            actionForm(b, "delete-dead-letter", "Delete", Map.of("key", stream, "id", e.id()), "");
            b.append("</div>");
        }
        b.append("<table class=\"fields\"><thead><tr><th>Field</th><th>Value</th></tr></thead><tbody>");
        for (Map.Entry<String, byte[]> f : e.fields()) {
            Values.Shown v = Values.show(f.getValue(), DETAIL_BYTES);
            b.append("<tr class=\"field\"><th scope=\"row\">").append(text(f.getKey())).append("</th><td>");
            value(b, v);
            b.append("</td></tr>");
        }
        b.append("</tbody></table>");
        return layout(e.id() + " in " + stream, b, false);
    }

    String notFound(String what) {
        StringBuilder b = new StringBuilder("<h1>Not found</h1><p class=\"error\">").append(text(what)).append("</p>");
        return layout("Not found", b, false);
    }

    String error(String title, String detail) {
        StringBuilder b = new StringBuilder("<h1>").append(text(title)).append("</h1><p class=\"error\">").append(text(detail))
                .append("</p><p><a href=\"").append(text(base)).append("/\">Back to the streams</a></p>");
        return layout(title, b, false);
    }

    /** The page that asks before an action: the same form again, with {@code confirmed=yes}. */
    String confirm(String action, String question, Map<String, String> fields, String back) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Confirm</h1><p class=\"question\">").append(text(question)).append("</p>");
        b.append("<form method=\"post\" action=\"").append(text(base)).append("/action\" class=\"confirm\">");
        hidden(b, Access.CSRF_FIELD, csrf);
        hidden(b, "action", action);
        for (Map.Entry<String, String> f : fields.entrySet()) {
            hidden(b, f.getKey(), f.getValue());
        }
        hidden(b, "confirmed", "yes");
        b.append("<button type=\"submit\" id=\"confirm\" class=\"danger\">Yes, ").append(text(label(action)))
                .append("</button> <a id=\"cancel\" href=\"").append(text(back)).append("\">Cancel</a></form>");
        return layout("Confirm", b, false);
    }

    // --- pieces -------------------------------------------------------------------------------------

    private void groupsTable(StringBuilder b, List<StreamInfo> streams, boolean withStream) {
        b.append("<table class=\"groups\"><thead><tr>").append(withStream ? "<th>Stream</th>" : "")
                .append("<th>Group</th><th class=\"num\">Consumers</th><th class=\"num\">Pending</th>")
                .append("<th class=\"num\">Lag</th><th class=\"num\">Lag age</th><th>Lag, last ")
                .append(window()).append("</th></tr></thead><tbody>");
        boolean any = false;
        for (StreamInfo s : streams) {
            if (s.error() != null) {
                continue;
            }
            for (GroupInfo g : s.groups()) {
                any = true;
                b.append("<tr class=\"group\" data-stream=\"").append(text(s.key())).append("\" data-group=\"").append(text(g.name()))
                        .append("\">");
                if (withStream) {
                    b.append("<td>").append(streamLink(s.key())).append("</td>");
                }
                b.append("<td><a class=\"group-link\" href=\"").append(text(base)).append("/group?key=").append(param(s.key()))
                        .append("&amp;group=").append(param(g.name())).append("\">").append(text(g.name())).append("</a></td>")
                        .append("<td class=\"num consumers\">").append(g.consumers()).append("</td><td class=\"num pending\">")
                        .append(g.pending()).append("</td><td class=\"num lag\"").append(g.lag() == null ? UNKNOWN_LAG : "").append(">").append(g.lag() == null ? "?" : g.lag())
                        .append("</td><td class=\"num lag-age\">").append(g.lagMillis() == null ? "?" : duration(g.lagMillis()))
                        .append("</td><td>")
                        .append(LagHistory.svg(history.samples(s.key(), g.name(), nowMillis), nowMillis, history.window().toMillis(), 120, 24))
                        .append("</td></tr>");
            }
        }
        if (!any) {
            b.append("<tr><td colspan=\"7\" class=\"empty\">No consumer groups.</td></tr>");
        }
        b.append("</tbody></table>");
    }

    private void deadLetterTable(StringBuilder b, String key, List<Entry> letters) {
        b.append("<table class=\"dead-letters\"><thead><tr><th>ID</th><th>From</th><th>Original ID</th><th>Group</th>")
                .append("<th>Reason</th><th>Error</th><th class=\"num\">Failures</th><th class=\"num\">Deliveries</th><th>Moved</th>")
                .append(readOnly ? "" : "<th></th>").append("</tr></thead><tbody>");
        for (Entry e : letters) {
            b.append("<tr class=\"dead-letter\" data-id=\"").append(text(e.id())).append("\"><td class=\"id\">").append(entryLink(key, e.id()))
                    .append("</td><td class=\"source\">").append(e.text(DeadLetter.STREAM).map(this::streamLink).orElse("-"))
                    .append("</td><td class=\"original-id id\">").append(text(e.text(DeadLetter.ID).orElse("-")))
                    .append("</td><td class=\"dl-group\">").append(text(e.text(DeadLetter.GROUP).orElse("-")))
                    .append("</td><td class=\"reason\">").append(text(e.text(DeadLetter.REASON).orElse("-")))
                    .append("</td><td class=\"error\">").append(text(e.text(DeadLetter.ERROR).orElse("-")));
            Optional<String> message = e.text(DeadLetter.MESSAGE);
            if (message.isPresent()) {
                String m = message.get();
                b.append("<div class=\"message\">").append(text(m.length() > 300 ? m.substring(0, 300) + "…" : m)).append("</div>");
            }
            b.append("</td><td class=\"num failures\">").append(text(e.text(DeadLetter.FAILURES).orElse("-")))
                    .append("</td><td class=\"num deliveries\">").append(text(e.text(DeadLetter.DELIVERIES).orElse("-")))
                    .append("</td><td>").append(text(e.text(DeadLetter.TIME).orElse("-"))).append("</td>");
            if (!readOnly) {
                b.append("<td class=\"actions\">");
                if (e.text(DeadLetter.STREAM).isPresent()) {
                    actionForm(b, "redrive", "Redrive", Map.of("key", key, "id", e.id()), "");
                }
                actionForm(b, "delete-dead-letter", "Delete", Map.of("key", key, "id", e.id()), "");
                b.append("</td>");
            }
            b.append("</tr>");
        }
        if (letters.isEmpty()) {
            b.append("<tr><td colspan=\"10\" class=\"empty\">No dead letters.</td></tr>");
        }
        b.append("</tbody></table>");
    }

    private void fieldsInline(StringBuilder b, Entry e) {
        b.append("<dl class=\"inline-fields\">");
        int shown = 0;
        for (Map.Entry<String, byte[]> f : e.fields()) {
            if (shown++ == 8) {
                b.append("<dt>…</dt><dd>").append(e.fields().size() - 8).append(" more fields</dd>");
                break;
            }
            b.append("<dt>").append(text(f.getKey())).append("</dt><dd>");
            value(b, Values.show(f.getValue(), LIST_BYTES));
            b.append("</dd>");
        }
        b.append("</dl>");
    }

    private static void value(StringBuilder b, Values.Shown v) {
        if (v.hex()) {
            b.append("<code class=\"hex\" title=\"binary, shown as hex\">").append(text(v.text())).append("</code>");
        } else {
            b.append("<span class=\"value\">").append(text(v.text())).append("</span>");
        }
        if (v.truncated()) {
            b.append(" <span class=\"note\">… ").append(v.length()).append(" bytes</span>");
        } else if (v.hex()) {
            b.append(" <span class=\"note\">hex, ").append(v.length()).append(" bytes</span>");
        }
    }

    private void actionForm(StringBuilder b, String action, String label, Map<String, String> fields, String extraInputs) {
        if (readOnly) {
            return;
        }
        b.append("<form method=\"post\" action=\"").append(text(base)).append("/action\" class=\"action ").append(action).append("\">");
        hidden(b, Access.CSRF_FIELD, csrf);
        hidden(b, "action", action);
        for (Map.Entry<String, String> f : fields.entrySet()) {
            hidden(b, f.getKey(), f.getValue());
        }
        b.append(extraInputs).append("<button type=\"submit\" class=\"act\" data-action=\"").append(action).append("\">")
                .append(text(label)).append("</button></form>");
    }

    private static void hidden(StringBuilder b, String name, String value) {
        b.append("<input type=\"hidden\" name=\"").append(text(name)).append("\" value=\"").append(text(value)).append("\">");
    }

    private void message(StringBuilder b, String msg) {
        if (msg != null && !msg.isBlank()) {
            b.append("<p class=\"msg\" role=\"status\">").append(text(msg.length() > 500 ? msg.substring(0, 500) : msg)).append("</p>");
        }
    }

    private void pager(StringBuilder b, String first, String next, String nextLabel) {
        if (first == null && next == null) {
            return;
        }
        b.append("<nav class=\"pager\">");
        if (first != null) {
            b.append("<a class=\"first\" href=\"").append(first).append("\">First page</a> ");
        }
        if (next != null) {
            b.append("<a class=\"next\" href=\"").append(next).append("\">").append(text(nextLabel)).append(" →</a>");
        }
        b.append("</nav>");
    }

    private String streamLink(String key) {
        return "<a class=\"stream-link\" href=\"" + text(base) + "/stream?key=" + param(key) + "\">" + text(key) + "</a>";
    }

    private String entryLink(String key, String id) {
        return "<a class=\"entry-link\" href=\"" + text(base) + "/entry?key=" + param(key) + "&amp;id=" + param(id) + "\">" + text(id) + "</a>";
    }

    private String age(String id) {
        if (id == null || Cursors.entryId(id).isEmpty()) {
            return "";
        }
        return "<span class=\"note\">(" + duration(Math.max(0, nowMillis - Cursors.millis(id))) + " ago)</span>";
    }

    private String layout(String title, StringBuilder body, boolean refresh) {
        long seconds = refresh ? refreshSeconds : 0;
        StringBuilder b = new StringBuilder(body.length() + 1024);
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(text(title)).append(" · Rill console</title>")
                .append("<link rel=\"stylesheet\" href=\"").append(text(base)).append("/assets/console.css\">")
                .append("<script src=\"").append(text(base)).append("/assets/console.js\" defer></script>")
                .append("</head><body data-refresh=\"").append(seconds).append("\"><header><a class=\"home\" href=\"")
                .append(text(base)).append("/\">Rill console</a>");
        if (readOnly) {
            b.append(" <span class=\"badge read-only\">read-only</span>");
        }
        b.append("<span class=\"refresh\">").append(seconds > 0 ? "refreshes every " + seconds + " s · " : "")
                .append(text(Instant.ofEpochMilli(nowMillis).toString())).append("</span></header><main>")
                .append(body).append("</main></body></html>");
        return b.toString();
    }

    static String label(String action) {
        return switch (action) {
            case "redrive" -> "redrive";
            case "redrive-all" -> "redrive all";
            case "delete-dead-letter" -> "delete";
            case "claim" -> "claim";
            case "delete-consumer" -> "delete the consumer";
            default -> action;
        };
    }

    private String window() {
        long ms = history.window().toMillis();
        return ms % 60_000 == 0 ? ms / 60_000 + " min" : duration(ms);
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }

    /** A duration for people: {@code 850 ms}, {@code 12.3 s}, {@code 4 min 5 s}, {@code 3 h 2 min}, {@code 2 d 4 h}. */
    static String duration(long millis) {
        if (millis < 0) {
            return "-";
        }
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long s = millis / 1000;
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        if (s < 86_400) {
            return (s / 3600) + " h " + (s % 3600 / 60) + " min";
        }
        return (s / 86_400) + " d " + (s % 86_400 / 3600) + " h";
    }
}
