/**
 * Rill's Spring Boot starter: {@link io.rill.spring.RedisStreamListener} methods on Spring beans, their binding
 * annotations, {@link io.rill.spring.RillSubscriptions} (list, pause, resume, seek, dead letters) and
 * {@link io.rill.spring.RillProperties}. The auto-configuration is in {@code io.rill.spring.autoconfigure}, the
 * actuator parts in {@code io.rill.spring.actuate}; {@code io.rill.spring.internal} is not API.
 */
package io.rill.spring;
