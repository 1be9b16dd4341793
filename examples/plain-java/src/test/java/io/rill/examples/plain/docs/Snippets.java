package io.rill.examples.plain.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Keeps the code blocks of README.md and docs/ equal to regions of compiled, tested sources.
 *
 * <p>A block is marked by an HTML comment on the line before its fence:
 * <pre>
 * &lt;!-- snippet: examples/plain-java/src/main/java/io/rill/examples/plain/PlainBilling.java#quick-start --&gt;
 * ```java
 * ...
 * ```
 * </pre>
 * and must equal the lines between {@code tag::quick-start[]} and {@code end::quick-start[]} in that file
 * (path from the repository root), without their common indentation and without lines holding other tags.
 * Every {@code java} block must be marked; blocks of other languages may be.
 */
public final class Snippets {

    private static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*snippet:\\s*(\\S+?)#([\\w.-]+)\\s*-->\\s*$");
    private static final Pattern FENCE = Pattern.compile("^(\\s*)```(.*)$");
    private static final Pattern TAG = Pattern.compile("(tag|end)::([\\w.-]+)\\[\\]");

    private final Path root;

    public Snippets(Path root) {
        this.root = root;
    }

    /** The repository root: the nearest directory up from the working directory with mvnw and docs/. */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("docs")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no repository root (mvnw and docs/) above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** README.md and every Markdown file under docs/. */
    public List<Path> documents() {
        List<Path> documents = new ArrayList<>();
        documents.add(root.resolve("README.md"));
        try (Stream<Path> files = Files.walk(root.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    /** What is wrong with the blocks of {@code document}, one message per problem naming file and line. */
    public List<String> check(Path document) {
        return process(document, false);
    }

    /** Rewrites the marked blocks of {@code document} from their sources; returns the problems left. */
    public List<String> update(Path document) {
        return process(document, true);
    }

    private List<String> process(Path document, boolean rewrite) {
        List<String> lines = read(document);
        List<String> out = new ArrayList<>(lines.size());
        List<String> problems = new ArrayList<>();
        String where = root.relativize(document).toString();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            out.add(line);
            Matcher fence = FENCE.matcher(line);
            if (!fence.matches()) {
                continue;
            }
            String indent = fence.group(1);
            String language = fence.group(2).strip();
            int end = closingFence(lines, i + 1, indent);
            if (end < 0) {
                problems.add(where + ":" + (i + 1) + ": code block is never closed");
                break;
            }
            List<String> block = new ArrayList<>();
            for (int j = i + 1; j < end; j++) {
                String l = lines.get(j);
                block.add(l.startsWith(indent) ? l.substring(indent.length()) : l.strip());
            }
            Matcher marker = previousNonBlank(lines, i) >= 0 ? MARKER.matcher(lines.get(previousNonBlank(lines, i))) : null;
            List<String> region = null;
            if (marker != null && marker.matches()) {
                String source = marker.group(1);
                String tag = marker.group(2);
                try {
                    region = region(source, tag);
                } catch (IllegalArgumentException e) {
                    problems.add(where + ":" + (i + 1) + ": " + e.getMessage());
                }
                if (region != null && !stripped(region).equals(stripped(block))) {
                    if (!rewrite) {
                        problems.add(where + ":" + (i + 1) + ": this " + (language.isEmpty() ? "code" : language)
                                + " block differs from " + source + "#" + tag + "; make it exactly:\n"
                                + String.join("\n", region));
                    }
                } else {
                    region = null; // equal: nothing to rewrite
                }
            } else if (language.equals("java")) {
                problems.add(where + ":" + (i + 1) + ": java block without a snippet marker: put the code in a compiled, "
                        + "tested source between `// tag::name[]` and `// end::name[]` and write "
                        + "`<!-- snippet: path/from/repo/root/File.java#name -->` on the line before the fence");
            }
            if (rewrite && region != null) {
                for (String l : region) {
                    out.add(l.isEmpty() ? "" : indent + l);
                }
            } else {
                out.addAll(lines.subList(i + 1, end));
            }
            out.add(lines.get(end));
            i = end;
        }
        if (rewrite && !out.equals(lines)) {
            try {
                Files.write(document, out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return problems;
    }

    /** The lines between {@code tag::name[]} and {@code end::name[]} of {@code source}, dedented. */
    public List<String> region(String source, String tag) {
        Path file = root.resolve(source).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("snippet source " + source + " does not exist (paths start at the repository root)");
        }
        if (!root.relativize(file).toString().contains("src" + file.getFileSystem().getSeparator())) {
            throw new IllegalArgumentException("snippet source " + source + " is not in a module's src/ tree, so nothing compiles it");
        }
        List<String> lines = read(file);
        int start = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = TAG.matcher(lines.get(i));
            while (m.find()) {
                if (m.group(2).equals(tag)) {
                    if (m.group(1).equals("tag") && start < 0) {
                        start = i;
                    } else if (m.group(1).equals("end") && start >= 0 && end < 0) {
                        end = i;
                    }
                }
            }
        }
        if (start < 0 || end < 0) {
            throw new IllegalArgumentException("no region tagged '" + tag + "' in " + source + ": add `// tag::" + tag
                    + "[]` and `// end::" + tag + "[]` around the code");
        }
        List<String> region = new ArrayList<>();
        for (String l : lines.subList(start + 1, end)) {
            if (!TAG.matcher(l).find()) {
                region.add(l.stripTrailing());
            }
        }
        int common = region.stream().filter(l -> !l.isBlank()).mapToInt(Snippets::indentation).min().orElse(0);
        region.replaceAll(l -> l.isBlank() ? "" : l.substring(common));
        return region;
    }

    private static int closingFence(List<String> lines, int from, String indent) {
        for (int j = from; j < lines.size(); j++) {
            if (lines.get(j).strip().equals("```") && lines.get(j).startsWith(indent)) {
                return j;
            }
        }
        return -1;
    }

    private static int previousNonBlank(List<String> lines, int before) {
        for (int j = before - 1; j >= 0; j--) {
            if (!lines.get(j).isBlank()) {
                return j;
            }
        }
        return -1;
    }

    private static List<String> stripped(List<String> lines) {
        return lines.stream().map(String::stripTrailing).toList();
    }

    private static int indentation(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
