/**
 * HTTP for the outbox: the event log ({@code /api/v1/events}), the admin view and retry, and the
 * reaper for external schedulers ({@code /api/v1/cron/outbox-reaper}, authenticated by {@code
 * CRON_SECRET}).
 */
package dev.arbiter.outbox.web;
