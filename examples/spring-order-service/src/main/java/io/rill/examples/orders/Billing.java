package io.rill.examples.orders;

import java.math.BigDecimal;
import java.util.Map;

import io.rill.spring.RedisStreamListener;
import io.rill.spring.SendTo;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** Bills each order of stream {@code orders} (group {@code billing}) and writes its invoice to {@code invoices}. */
// tag::billing[]
@Component
public class Billing {

    private final BigDecimal taxRate;

    Billing(@Value("${billing.tax-rate:0.20}") BigDecimal taxRate) {
        this.taxRate = taxRate;
    }

    @RedisStreamListener(streams = "orders", group = "billing", consumer = "${RILL_CONSUMER:}")
    // a Map is written as the entry's fields; the invoice and the order's ack commit together (exactly once,
    // semantics 12): a crash or a redelivery never bills an order twice
    @SendTo("invoices")
    Map<String, String> onOrder(Order order) {
        // an amount that is not a positive decimal throws: retried, then dead-lettered to orders:dlq
        return Invoice.of(order, taxRate).fields();
    }
}
// end::billing[]
