package io.rill.examples.orders;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.health.HealthStatus;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.management.health.indicator.HealthResult;
import io.rill.micronaut.health.RillHealthIndicator;

/**
 * {@code GET /health}: the {@code rill} indicator (UP, or DOWN with 503 when a subscription FAILED or has
 * been RECOVERING past {@code rill.health.recovering-threshold}), with each subscription's details.
 * {@code GET /metrics}: every meter in Prometheus text format, Rill's {@code rill_entries_*} included.
 */
@Controller
class Endpoints {

    private final RillHealthIndicator rill;
    private final PrometheusMeterRegistry meters;

    Endpoints(RillHealthIndicator rill, PrometheusMeterRegistry meters) {
        this.rill = rill;
        this.meters = meters;
    }

    @Get("/health")
    HttpResponse<Map<String, Object>> health() {
        HealthResult result = rill.result();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", result.getStatus().getName());
        body.put("rill", result.getDetails());
        return HttpResponse.<Map<String, Object>>status(HealthStatus.UP.equals(result.getStatus())
                ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }

    @Get(value = "/metrics", produces = "text/plain; version=0.0.4; charset=utf-8")
    String metrics() {
        return meters.scrape();
    }
}
