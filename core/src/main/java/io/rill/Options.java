package io.rill;

/** Checks of what the option table has no row for (the identity of a subscription, whole nested records). */
final class Options {

    private Options() {
    }

    static <T> T set(String name, T value) {
        if (value == null) {
            throw new InvalidOptionException(name, null, "must be set");
        }
        return value;
    }

    static String name(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidOptionException(option, value, "must be set to a non-blank name");
        }
        return value;
    }
}
