package io.rill.examples.orders;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;

/** What billing makes of a valid order: tax at the configured rate, rounded to cents, and the total. */
public record Invoice(String orderId, String customer, BigDecimal amount, BigDecimal tax, BigDecimal total) {

    /**
     * Bills an order.
     *
     * @throws InvalidOrderException when the amount is not a positive decimal
     */
    public static Invoice of(Order order, BigDecimal taxRate) {
        BigDecimal amount = positiveAmount(order);
        BigDecimal tax = amount.multiply(taxRate).setScale(2, RoundingMode.HALF_EVEN);
        return new Invoice(order.orderId(), order.customer(), amount, tax, amount.add(tax));
    }

    private static BigDecimal positiveAmount(Order order) {
        BigDecimal amount;
        try {
            amount = new BigDecimal(String.valueOf(order.amount()).strip());
        } catch (NumberFormatException e) {
            throw new InvalidOrderException("order " + order.orderId() + ": amount '" + order.amount() + "' is not a decimal");
        }
        if (amount.signum() <= 0) {
            throw new InvalidOrderException("order " + order.orderId() + ": amount " + amount.toPlainString() + " is not positive");
        }
        return amount;
    }

    /** The fields of the invoice's entry in stream {@code invoices}, in this order. */
    public Map<String, String> fields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("orderId", orderId);
        fields.put("customer", customer);
        fields.put("amount", amount.toPlainString());
        fields.put("tax", tax.toPlainString());
        fields.put("total", total.toPlainString());
        return fields;
    }
}
