package io.rill.internal.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A consumer identity claimed in a checkpoint directory (semantics 5), held with an OS file lock
 * until {@link #close()} or the process ends.
 *
 * <p>Layout: {@code <directory>/<group>/<streams>/<consumer>/} holds {@code lock} (the locked file),
 * {@code holder} (who holds it: {@code pid@host since <time>}) and the identity's {@code journal}.
 * Names are escaped to file-name-safe characters.
 *
 * <ul>
 *   <li>A configured consumer name is locked as it is; when another process holds it, the claim
 *       fails naming the directory and the holder.</li>
 *   <li>Without a configured name, the first identity derived earlier in this directory that no one
 *       holds is taken (its own host's first), so a restarted process gets its name, and with it its
 *       pending entries and journal, back. When every one is held, a new name {@code <host>-<8 hex>}
 *       is created and kept in the identity's {@code derived-name} file. Two processes sharing the
 *       directory therefore always get different names.</li>
 * </ul>
 * The lock is advisory and only as reliable as the file system's: use a local disk, not NFS. POSIX
 * drops a process's lock when it closes any descriptor of the locked file, so this process never
 * opens a lock file it holds: claims within the process are checked against {@code HELD} first.
 */
public final class IdentityLock implements AutoCloseable {

    static final String LOCK_FILE = "lock";
    static final String HOLDER_FILE = "holder";
    static final String DERIVED_NAME_FILE = "derived-name";
    /** Identity directories this process holds. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    private static final int MAX_NAME_BYTES = 120;

    private final String consumer;
    private final Path directory;
    private final FileLock lock;

    private IdentityLock(String consumer, Path directory, FileLock lock) {
        this.consumer = consumer;
        this.directory = directory;
        this.lock = lock;
    }

    /**
     * Claims the identity of one subscription.
     *
     * @param root     the checkpoint directory
     * @param consumer the configured consumer name, or null to take a derived one
     * @throws IllegalStateException when the configured identity is held by another process (or
     *                               another subscription of this one)
     * @throws UncheckedIOException  when the directory can't be created or written
     */
    public static IdentityLock claim(Path root, String group, List<String> streams, String consumer) {
        Path parent = root.resolve(escape(group)).resolve(escape(String.join(",", streams)));
        try {
            Files.createDirectories(parent);
            parent = parent.toRealPath(); // one key per directory in HELD, whatever path led to it
            return consumer != null ? claimNamed(parent, group, streams, consumer) : claimDerived(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint.directory " + root + " can't be used: " + e
                    + " (it must be a writable directory on a local disk)", e);
        }
    }

    /**
     * Claims the identity of one producer outbox: {@code <root>/<identity>/} holds its lock, holder and
     * journal, as a consumer identity does.
     *
     * @throws IllegalStateException when another producer (in this or another process) holds the identity
     * @throws UncheckedIOException  when the directory can't be created or written
     */
    public static IdentityLock claimProducer(Path root, String identity) {
        try {
            Files.createDirectories(root);
            Path directory = root.toRealPath().resolve(escape(identity));
            Files.createDirectories(directory);
            FileLock lock = tryLock(directory);
            if (lock == null) {
                throw new IllegalStateException("outbox.directory " + directory + " is locked by " + holder(directory)
                        + ": a producer with outbox.identity '" + identity + "' is already running there. Two producers "
                        + "must not share one outbox: give each its own outbox.identity or outbox.directory");
            }
            return new IdentityLock(identity, directory, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("outbox.directory " + root + " can't be used: " + e
                    + " (it must be a writable directory on a local disk)", e);
        }
    }

    /** The consumer name in use. */
    public String consumer() {
        return consumer;
    }

    /** The identity's directory, where its journal lives. */
    public Path directory() {
        return directory;
    }

    /** Releases the lock. */
    @Override
    public void close() {
        release(directory, lock);
    }

    private static IdentityLock claimNamed(Path parent, String group, List<String> streams, String consumer)
            throws IOException {
        Path directory = parent.resolve(escape(consumer));
        Files.createDirectories(directory);
        FileLock lock = tryLock(directory);
        if (lock == null) {
            throw new IllegalStateException("checkpoint.directory " + directory + " is locked by " + holder(directory)
                    + ": consumer '" + consumer + "' of group '" + group + "' on " + streams
                    + " is already running there. Two processes must not share one consumer identity: give each "
                    + "its own consumer name or checkpoint.directory, or leave consumer unset so that each derives "
                    + "its own");
        }
        return new IdentityLock(consumer, directory, lock);
    }

    private static IdentityLock claimDerived(Path parent) throws IOException {
        String host = hostName();
        List<Path> known = new ArrayList<>();
        try (Stream<Path> children = Files.list(parent)) {
            children.filter(p -> Files.isRegularFile(p.resolve(DERIVED_NAME_FILE))).sorted().forEach(known::add);
        }
        // this host's names first: on a restart the process most likely finds its own
        known.sort((a, b) -> Boolean.compare(!a.getFileName().toString().startsWith(host + "-"),
                !b.getFileName().toString().startsWith(host + "-")));
        for (Path directory : known) {
            FileLock lock = tryLock(directory);
            if (lock != null) {
                String name = Files.readString(directory.resolve(DERIVED_NAME_FILE), StandardCharsets.UTF_8).strip();
                if (!name.isEmpty()) {
                    return new IdentityLock(name, directory, lock);
                }
                release(directory, lock);
            }
        }
        while (true) {
            String name = host + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            Path directory = parent.resolve(name);
            try {
                Files.createDirectory(directory);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            FileLock lock = tryLock(directory);
            if (lock == null) {
                continue; // someone created the same name at the same moment
            }
            try {
                Path tmp = directory.resolve(DERIVED_NAME_FILE + ".tmp");
                try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    out.write(ByteBuffer.wrap((name + "\n").getBytes(StandardCharsets.UTF_8)));
                    out.force(true);
                }
                Files.move(tmp, directory.resolve(DERIVED_NAME_FILE), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                release(directory, lock);
                throw e;
            }
            return new IdentityLock(name, directory, lock);
        }
    }

    /** Locks the identity and records this process as its holder; null when someone else holds it. */
    private static FileLock tryLock(Path directory) throws IOException {
        if (!HELD.add(directory)) {
            return null; // another subscription of this process holds it
        }
        FileLock lock = null;
        try {
            FileChannel channel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // cannot happen while HELD is kept right; treat it as held
            } finally {
                if (lock == null) {
                    channel.close();
                }
            }
            if (lock != null) {
                Files.writeString(directory.resolve(HOLDER_FILE), self() + " since " + Instant.now() + "\n",
                        StandardCharsets.UTF_8);
            }
            return lock;
        } finally {
            if (lock == null) {
                HELD.remove(directory);
            }
        }
    }

    private static void release(Path directory, FileLock lock) {
        try {
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        } finally {
            HELD.remove(directory);
        }
    }

    private static String holder(Path directory) {
        if (HELD.contains(directory)) {
            return self() + " (this process: another of its subscriptions holds the identity)";
        }
        try {
            String text = Files.readString(directory.resolve(HOLDER_FILE), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "another process (it has not written its name yet)" : text;
        } catch (IOException e) {
            return "another process (" + e + ")";
        }
    }

    private static String self() {
        return ProcessHandle.current().pid() + "@" + hostName();
    }

    /** The host name without asking DNS when the environment or the kernel can tell. */
    static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                Path kernel = Path.of("/proc/sys/kernel/hostname");
                name = Files.isReadable(kernel) ? Files.readString(kernel).strip() : null;
            } catch (IOException e) {
                name = null;
            }
        }
        if (name == null || name.isBlank()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "rill";
            }
        }
        String safe = name.replaceAll("[^A-Za-z0-9.-]", "-");
        return safe.length() > 60 ? safe.substring(0, 60) : safe;
    }

    /**
     * A file name for any string: letters, digits, '-', '_' and '.' (not leading) kept, other bytes as
     * {@code %XX}; names too long for a file system are cut and suffixed with a hash.
     */
    static String escape(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-'
                    || b == '_' || (b == '.' && i > 0);
            if (plain) {
                out.append((char) b);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) b));
            }
        }
        if (out.length() <= MAX_NAME_BYTES) {
            return out.toString();
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return out.substring(0, MAX_NAME_BYTES - 17) + "~" + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
