package io.rill.examples.plain.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** Relative links of README.md and docs/ point at files that exist, and their #anchors at headings there. */
class DocsLinksTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*)$");
    private static final Pattern ANCHOR = Pattern.compile("<a id=\"([^\"]+)\"");

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        Path root = Snippets.repositoryRoot();
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path document : new Snippets(root).documents()) {
            List<String> lines = Files.readAllLines(document);
            boolean fenced = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.strip().startsWith("```")) {
                    fenced = !fenced;
                }
                if (fenced) {
                    continue;
                }
                Matcher m = LINK.matcher(line);
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("^[a-z]+:.*")) {
                        continue; // http:, https:, mailto:
                    }
                    links++;
                    String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                    String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                    Path resolved = file.isEmpty() ? document : document.getParent().resolve(file).normalize();
                    String where = root.relativize(document) + ":" + (i + 1) + ": ";
                    if (!Files.exists(resolved)) {
                        broken.add(where + target + " does not exist");
                    } else if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
                        broken.add(where + target + ": no heading or <a id> '" + anchor + "' in " + root.relativize(resolved));
                    }
                }
            }
        }
        assertTrue(links > 50, "found only " + links + " links");
        assertTrue(broken.isEmpty(), String.join("\n", broken));
    }

    @Test
    void anchorsAreGitHubsHeadingSlugs() {
        assertEquals("rill-the-entry-point", slug("`Rill`: the entry point"));
        assertEquals("micronaut-module-rill", slug("Micronaut module: `rill.*`"));
        assertEquals("sizing-batch-concurrency-and-in-flight", slug("Sizing batch, concurrency and in-flight"));
    }

    static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new HashSet<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(markdown)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
            }
            Matcher h = HEADING.matcher(line);
            if (!fenced && h.matches()) {
                String slug = slug(h.group(1));
                String unique = slug;
                for (int n = 1; anchors.contains(unique); n++) {
                    unique = slug + "-" + n;
                }
                anchors.add(unique);
            }
            Matcher a = ANCHOR.matcher(line);
            while (a.find()) {
                anchors.add(a.group(1));
            }
        }
        return anchors;
    }

    static String slug(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }
}
