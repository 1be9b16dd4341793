package io.rill.console;

import java.time.Duration;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.util.StringUtils;

/**
 * {@code rill.console.*}: whether and where the console is served, who may see it, and how it pages and
 * refreshes. Off unless {@code rill.console.enabled} is true (the standalone jar sets it).
 */
@ConfigurationProperties(ConsoleConfiguration.PREFIX)
@Requires(property = ConsoleConfiguration.PREFIX + ".enabled", value = StringUtils.TRUE)
public class ConsoleConfiguration {

    public static final String PREFIX = "rill.console";
    public static final String DEFAULT_PATH = "/rill-console";

    private boolean enabled;
    private String path = DEFAULT_PATH;
    private boolean readOnly;
    private String username;
    private String password;
    private boolean anonymous;
    private String connection;
    private Duration refresh = Duration.ofSeconds(5);
    private int pageSize = 50;
    private Duration lagWindow = Duration.ofMinutes(15);
    private Duration sampleInterval = Duration.ofSeconds(10);

    /** Serve the console; default false. */
    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Where the console is served; default {@value #DEFAULT_PATH}. */
    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    /** Show, never act: no action buttons, and every action is refused; default false. */
    public boolean isReadOnly() {
        return readOnly;
    }

    public void setReadOnly(boolean readOnly) {
        this.readOnly = readOnly;
    }

    /** With {@code password}: the console asks for this user with HTTP basic authentication. */
    @Nullable
    public String getUsername() {
        return username;
    }

    public void setUsername(@Nullable String username) {
        this.username = username;
    }

    @Nullable
    public String getPassword() {
        return password;
    }

    public void setPassword(@Nullable String password) {
        this.password = password;
    }

    /**
     * Serve without any login, for a console bound to localhost (the standalone jar's default) or a trusted
     * network; default false. A mounted console without a user and without micronaut-security refuses
     * every request unless this is set.
     */
    public boolean isAnonymous() {
        return anonymous;
    }

    public void setAnonymous(boolean anonymous) {
        this.anonymous = anonymous;
    }

    /** The micronaut-redis connection to look at ({@code redis.servers.<name>}); default the primary one ({@code redis.uri}). */
    @Nullable
    public String getConnection() {
        return connection;
    }

    public void setConnection(@Nullable String connection) {
        this.connection = connection;
    }

    /** How often the page reloads itself; 0 for never; default 5 s. */
    public Duration getRefresh() {
        return refresh;
    }

    public void setRefresh(Duration refresh) {
        this.refresh = refresh;
    }

    /** Rows per page of every list (streams, entries, pending entries, dead letters); default 50, at most 1000. */
    public int getPageSize() {
        return pageSize;
    }

    public void setPageSize(int pageSize) {
        if (pageSize < 1 || pageSize > 1000) {
            throw new IllegalArgumentException("rill.console.page-size must be from 1 to 1000, was " + pageSize);
        }
        this.pageSize = pageSize;
    }

    /** How far back the lag charts go; default 15 min. */
    public Duration getLagWindow() {
        return lagWindow;
    }

    public void setLagWindow(Duration lagWindow) {
        this.lagWindow = lagWindow;
    }

    /** How often the lag of the groups shown in the last {@code lag-window} is sampled; default 10 s. */
    public Duration getSampleInterval() {
        return sampleInterval;
    }

    public void setSampleInterval(Duration sampleInterval) {
        this.sampleInterval = sampleInterval;
    }

    /** The path without a trailing slash, {@code ""} for the root: links are {@code base() + "/stream"}. */
    public String base() {
        String p = path == null || path.isBlank() ? "/" : path.strip();
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
