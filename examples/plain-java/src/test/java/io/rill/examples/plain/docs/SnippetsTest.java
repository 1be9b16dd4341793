package io.rill.examples.plain.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every code block of README.md and docs/ that shows Java is a region of a compiled, tested source
 * ({@link Snippets}). When this fails, fix the named line, or run with {@code -Drill.snippets.update=true}
 * to rewrite the marked blocks from their sources:
 * {@code ./mvnw -pl examples/plain-java -am test -Dtest=SnippetsTest -Drill.snippets.update=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SnippetsTest {

    @Test
    void everyJavaBlockOfTheGuideIsARegionOfACompiledSource() {
        Snippets snippets = new Snippets(Snippets.repositoryRoot());
        boolean update = Boolean.getBoolean("rill.snippets.update");
        List<String> problems = new ArrayList<>();
        int documents = 0;
        for (Path document : snippets.documents()) {
            problems.addAll(update ? snippets.update(document) : snippets.check(document));
            documents++;
        }
        assertTrue(documents > 5, "found only " + documents + " documents");
        assertTrue(problems.isEmpty(), problems.size() + " code block problem(s):\n\n" + String.join("\n\n", problems));
    }

    @Test
    void aChangedBlockAnUnmarkedJavaBlockAndAMissingTagAreEachReportedWithTheirLine(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Path source = root.resolve("lib/src/main/java/A.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                class A {
                    void run() {
                        // tag::run[]
                        System.out.println("run");
                        // end::run[]
                    }
                }
                """);
        Path doc = root.resolve("docs/guide.md");
        Files.writeString(doc, """
                # Guide

                <!-- snippet: lib/src/main/java/A.java#run -->
                ```java
                System.out.println("run");
                ```

                <!-- snippet: lib/src/main/java/A.java#run -->
                ```java
                System.out.println("walk");
                ```

                ```java
                int unmarked = 1;
                ```

                <!-- snippet: lib/src/main/java/A.java#gone -->
                ```java
                x();
                ```

                ```bash
                echo not java, fine unmarked
                ```
                """);
        Snippets snippets = new Snippets(root);
        List<String> problems = snippets.check(doc);
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("docs/guide.md:9: this java block differs from lib/src/main/java/A.java#run"), problems.get(0));
        assertTrue(problems.get(0).endsWith("System.out.println(\"run\");"), problems.get(0));
        assertTrue(problems.get(1).startsWith("docs/guide.md:13: java block without a snippet marker"), problems.get(1));
        assertTrue(problems.get(2).startsWith("docs/guide.md:18: no region tagged 'gone' in lib/src/main/java/A.java"), problems.get(2));

        // update rewrites the changed block from the source; the other two problems stay
        assertEquals(2, snippets.update(doc).size());
        assertEquals(2, snippets.check(doc).size());
        assertTrue(Files.readString(doc).contains("```java\nSystem.out.println(\"run\");\n```\n\n```java\nint unmarked"));
    }
}
