/**
 * Operations endpoints: {@code /api/health} (every dependency with status, latency and details),
 * {@code /api/ready} (every configured dependency connected), {@code /health/live} and the
 * Prometheus {@code /metrics}. None of them needs credentials or a tenant.
 */
package dev.arbiter.ops;
