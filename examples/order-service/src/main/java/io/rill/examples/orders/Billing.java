package io.rill.examples.orders;

import java.math.BigDecimal;
import java.util.Map;

import io.micronaut.context.annotation.Value;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.SendTo;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;

/**
 * The billing service: one invoice per order. The consumer name comes from {@code RILL_CONSUMER} when it
 * is set, else from {@code rill.consumers.billing.consumer}, else the host name; everything else about the
 * subscription is {@code rill.consumers.billing.*} (application.yml).
 */
// tag::billing[]
@RedisStreamListener(group = "billing", consumer = "${RILL_CONSUMER:}")
public class Billing {

    private final BigDecimal taxRate;

    Billing(@Value("${billing.tax-rate:0.20}") BigDecimal taxRate) {
        this.taxRate = taxRate;
    }

    @Stream("orders")
    // a Map is written as the entry's fields; the invoice and the order's ack commit together (exactly once,
    // semantics 12): a crash or a redelivery never bills an order twice
    @SendTo("invoices")
    Map<String, String> onOrder(Order order) {
        // an amount that is not a positive decimal throws: retried, then dead-lettered to orders:dlq
        return Invoice.of(order, taxRate).fields();
    }
}
// end::billing[]
