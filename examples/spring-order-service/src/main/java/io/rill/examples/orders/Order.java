package io.rill.examples.orders;

/**
 * An entry of stream {@code orders}, bound field by field ({@code XADD orders * orderId o-1 customer c-7
 * amount 12.50}). The amount stays text here: whether it is a positive decimal is the billing's decision,
 * so a bad one fails the handler (and ends in the dead-letter stream) instead of failing the binding; a
 * missing one is null.
 */
public record Order(String orderId, String customer, String amount) {
}
