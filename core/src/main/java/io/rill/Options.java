package io.rill;

import java.time.Duration;

/** Checks shared by the option records; messages name the option and the allowed range. */
final class Options {

    private Options() {
    }

    static <T> T set(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must be set");
        }
        return value;
    }

    static Duration positive(String name, Duration value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must be set");
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
        return value;
    }

    static Duration notNegative(String name, Duration value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must be set");
        }
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
        return value;
    }

    static int range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    static String name(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(option + " must be set to a non-blank name");
        }
        return value;
    }
}
