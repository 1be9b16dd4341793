package io.rill.micronaut.docs;

import java.math.BigDecimal;

import io.micronaut.serde.annotation.Serdeable;

// The docs/micronaut.md snippets in this package are compiled here; their beans require spec.name=docs,
// which no test sets, so no test context loads them.
// tag::order[]
@Serdeable
record Order(String sku, int quantity, BigDecimal amount) {
}
// end::order[]
