package io.rill;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A value the options reject, with the key of the option it belongs to ({@code retry.backoff.initial}, the
 * key of {@link OptionTable}) and the keys of any other options the problem is about. The message is the key
 * followed by the problem: {@code batch-size must be between 1 and 100000, was 0}.
 *
 * <p>A framework that sets options from its own configuration names them its way with {@link #describe}
 * (where each value was set, e.g. {@code rill.consumers.billing.retry.backoff.initial}), without reading the
 * message.
 */
public class InvalidOptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String option;
    private final String problem;
    private final List<String> related;
    private final transient Object value;

    /**
     * @param option  the key of the option whose value is rejected
     * @param value   the rejected value (null when it was missing)
     * @param problem what is wrong, after the option's name: {@code must be > 0, was PT0S}; {@code {0}},
     *                {@code {1}}, ... stand for the keys in {@code related}
     * @param related the keys of other options the problem mentions
     */
    public InvalidOptionException(String option, Object value, String problem, String... related) {
        this(option, value, problem, List.of(related), null);
    }

    private InvalidOptionException(String option, Object value, String problem, List<String> related, Throwable cause) {
        super(render(option, problem, related, Function.identity()), cause);
        this.option = Objects.requireNonNull(option, "option");
        this.value = value;
        this.problem = Objects.requireNonNull(problem, "problem");
        this.related = List.copyOf(related);
    }

    /** The key of the option whose value is rejected, e.g. {@code retry.backoff.initial}. */
    public String option() {
        return option;
    }

    /** The rejected value, or null when it was missing (not kept when the exception is serialized). */
    public Object value() {
        return value;
    }

    /** The keys of the other options the problem mentions, e.g. {@code retry.backoff.initial} for a too small max. */
    public List<String> related() {
        return related;
    }

    /**
     * The message with every option named by {@code naming}, which gets an option's key and returns how the
     * reader knows it: the property or annotation attribute that set it, or the key itself.
     */
    public String describe(Function<? super String, String> naming) {
        return render(option, problem, related, naming);
    }

    /** The same problem with every key under {@code prefix}: {@code backoff.initial} becomes {@code retry.backoff.initial}. */
    InvalidOptionException under(String prefix) {
        List<String> moved = new ArrayList<>(related.size());
        related.forEach(key -> moved.add(prefix + key));
        return new InvalidOptionException(prefix + option, value, problem, moved, this);
    }

    private static String render(String option, String problem, List<String> related, Function<? super String, String> naming) {
        StringBuilder text = new StringBuilder(naming.apply(option)).append(' ');
        for (int i = 0; i < problem.length(); i++) {
            char c = problem.charAt(i);
            int close = c == '{' ? problem.indexOf('}', i) : -1;
            if (close > i + 1 && problem.substring(i + 1, close).chars().allMatch(Character::isDigit)) {
                int index = Integer.parseInt(problem.substring(i + 1, close));
                if (index < related.size()) {
                    text.append(naming.apply(related.get(index)));
                    i = close;
                    continue;
                }
            }
            text.append(c);
        }
        return text.toString();
    }
}
