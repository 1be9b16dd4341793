package io.rill.console;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lag of each group over the last minutes, kept in memory (a ring of samples per stream and group),
 * and drawn as a small inline SVG. Samples come from every page that shows a group and from the
 * {@link LagSampler}; a group nobody looked at for longer than the window is forgotten.
 */
public final class LagHistory {

    /** One sample: when, and the group's lag in entries. */
    public record Sample(long atMillis, long lag) {
    }

    private final long windowMillis;
    private final Map<String, Deque<Sample>> samples = new ConcurrentHashMap<>();

    public LagHistory(Duration window) {
        this.windowMillis = window.toMillis();
    }

    /** Records a sample of {@code group} on {@code stream}; samples older than the window go. */
    public void record(String stream, String group, long atMillis, long lag) {
        Deque<Sample> ring = samples.computeIfAbsent(key(stream, group), k -> new ArrayDeque<>());
        synchronized (ring) {
            Sample last = ring.peekLast();
            if (last != null && atMillis < last.atMillis()) {
                return;
            }
            if (last != null && atMillis == last.atMillis()) {
                ring.pollLast();
            }
            ring.addLast(new Sample(atMillis, lag));
            while (!ring.isEmpty() && ring.peekFirst().atMillis() < atMillis - windowMillis) {
                ring.pollFirst();
            }
        }
    }

    /** The samples of {@code group} on {@code stream} within the window before {@code nowMillis}, oldest first. */
    public List<Sample> samples(String stream, String group, long nowMillis) {
        Deque<Sample> ring = samples.get(key(stream, group));
        if (ring == null) {
            return List.of();
        }
        synchronized (ring) {
            List<Sample> out = new ArrayList<>(ring.size());
            for (Sample s : ring) {
                if (s.atMillis() >= nowMillis - windowMillis) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    /** The (stream, group) pairs with samples, each as {@code [stream, group]}. */
    public List<String[]> groups() {
        List<String[]> out = new ArrayList<>();
        for (String key : samples.keySet()) {
            int split = key.indexOf('\u0000');
            out.add(new String[] { key.substring(0, split), key.substring(split + 1) });
        }
        return out;
    }

    /** Forgets groups without a sample within the window before {@code nowMillis}. */
    public void expire(long nowMillis) {
        samples.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                Sample last = e.getValue().peekLast();
                return last == null || last.atMillis() < nowMillis - windowMillis;
            }
        });
    }

    public Duration window() {
        return Duration.ofMillis(windowMillis);
    }

    private static String key(String stream, String group) {
        return stream + '\u0000' + group;
    }

    /**
     * The samples as an inline SVG line chart, {@code width} × {@code height} pixels, time on x across
     * the whole window up to {@code nowMillis}, lag on y from 0 to the largest sample. Fewer than two
     * samples: a flat line with a title saying the chart is filling.
     */
    public static String svg(List<Sample> samples, long nowMillis, long windowMillis, int width, int height) {
        long max = 0;
        for (Sample s : samples) {
            max = Math.max(max, s.lag());
        }
        StringBuilder points = new StringBuilder();
        for (Sample s : samples) {
            double x = width - (double) (nowMillis - s.atMillis()) / windowMillis * width;
            double y = max == 0 ? height - 1 : (height - 1) - (double) s.lag() / max * (height - 2);
            if (!points.isEmpty()) {
                points.append(' ');
            }
            points.append(String.format(Locale.ROOT, "%.1f,%.1f", Math.max(0, x), y));
        }
        long minutes = Math.max(1, windowMillis / 60_000);
        String title = samples.size() < 2
                ? "lag chart: collecting samples"
                : "lag over the last " + minutes + " min, max " + max + " entries, now " + samples.get(samples.size() - 1).lag();
        StringBuilder svg = new StringBuilder()
                .append("<svg class=\"lag-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(Html.text(title)).append("\"><title>")
                .append(Html.text(title)).append("</title>")
                .append("<line x1=\"0\" y1=\"").append(height - 1).append("\" x2=\"").append(width).append("\" y2=\"")
                .append(height - 1).append("\" class=\"axis\"/>");
        if (samples.size() >= 2) {
            svg.append("<polyline class=\"lag\" fill=\"none\" points=\"").append(points).append("\"/>");
        }
        return svg.append("</svg>").toString();
    }
}
