package dev.arbiter.tenant;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tenant's decision settings.
 *
 * @param traceEnabled whether decisions may be traced at all
 * @param traceSampleRate share of decisions traced, 0 to 1
 * @param timeZone IANA zone for daily budgets and reports, e.g. {@code Europe/Paris}
 * @param rowVersion 0 until first saved
 * @param updatedAt null until first saved
 */
public record TenantSettings(
    boolean traceEnabled,
    double traceSampleRate,
    String timeZone,
    long rowVersion,
    Instant updatedAt) {

  public static TenantSettings defaults() {
    return new TenantSettings(true, 0.01, "UTC", 0, null);
  }

  /** The day {@code at} falls on in the tenant's time zone: the day a daily budget counts. */
  public LocalDate dayOf(Instant at) {
    return LocalDate.ofInstant(at, ZoneId.of(timeZone));
  }

  /** The stored body: the settings without row metadata. */
  public Map<String, Object> body() {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("traceEnabled", traceEnabled);
    b.put("traceSampleRate", traceSampleRate);
    b.put("timeZone", timeZone);
    return b;
  }

  public Map<String, Object> view() {
    Map<String, Object> v = body();
    v.put("rowVersion", rowVersion);
    v.put("updatedAt", updatedAt == null ? null : updatedAt.toString());
    return v;
  }
}
