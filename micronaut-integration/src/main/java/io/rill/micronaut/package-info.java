/**
 * Micronaut 4.10 integration for Rill: translates annotated beans and {@code rill.*} configuration into
 * rill-core subscriptions. It holds no runtime logic of its own.
 */
package io.rill.micronaut;
