package io.rill.internal.output;

/**
 * What the transactional output path needs to know of the server, from one probe ({@code INFO server},
 * {@code INFO cluster}): whether it is a cluster node (the slot rule applies) and whether it has idempotent
 * XADD ({@code IDMP}, Redis 8.6.2+), which a cross-slot design could use one day (ADR 0020); Rill does not
 * use it yet.
 */
public record ServerFacts(boolean cluster, String version, boolean idempotentAdd) {

    /** From the text of {@code INFO server} and {@code INFO cluster}. */
    public static ServerFacts parse(String serverInfo, String clusterInfo) {
        String version = field(serverInfo, "redis_version");
        boolean cluster = "1".equals(field(clusterInfo, "cluster_enabled"));
        return new ServerFacts(cluster, version == null ? "unknown" : version, atLeast(version, 8, 6, 2));
    }

    private static String field(String info, String name) {
        if (info == null) {
            return null;
        }
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    /** True when {@code version} (major.minor.patch) is at least the given one; false when it can't be read. */
    static boolean atLeast(String version, int major, int minor, int patch) {
        if (version == null) {
            return false;
        }
        String[] parts = version.split("\\.");
        int[] wanted = { major, minor, patch };
        for (int i = 0; i < 3; i++) {
            int have;
            try {
                have = i < parts.length ? Integer.parseInt(parts[i].replaceAll("\\D.*", "")) : 0;
            } catch (NumberFormatException e) {
                return false;
            }
            if (have != wanted[i]) {
                return have > wanted[i];
            }
        }
        return true;
    }
}
