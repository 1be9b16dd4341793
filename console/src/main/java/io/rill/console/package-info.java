/**
 * The Rill console: a web page over any Redis that shows streams, consumer groups with their lag,
 * consumers, pending entries and dead letters, and acts on them (redrive, delete, claim, delete a
 * consumer). Mounted into a Micronaut application under {@code rill.console.path} when
 * {@code rill.console.enabled} is true, or run on its own with {@link io.rill.console.ConsoleApplication}.
 */
package io.rill.console;
