package dev.arbiter.budget;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import dev.arbiter.redis.FailFastRedis;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Budget counters in Redis: one counter shared exactly by every node that uses the same Redis.
 *
 * <p>A counter is a hash {@code arbiter:budget:{tenant}:offer:period} with fields {@code d}
 * (decisions) and {@code c} (cost in millionths), both integers. The tenant is a hash tag, so all
 * of a tenant's counters share one Redis Cluster slot and one multi-key script may read them.
 * Check-and-add is one Lua script ({@code EVALSHA}, falling back to {@code EVAL} once after Redis
 * lost its script cache), so concurrent nodes can never exceed a budget together; reading many
 * counters is one script call too. Daily counters expire at 00:00 UTC three days after their day
 * (at least 36 hours after that day ends in any time zone); total counters do not expire.
 *
 * <p>Used alone it starts absent counters at zero. {@link FailoverBudgetLedger} instead seeds them
 * from PostgreSQL: the scripts report an absent counter rather than create it, and create it only
 * from a seed, set if still absent, so two nodes seeding at once cannot double it.
 *
 * <p>Fails fast like {@code dev.arbiter.ratelimit.RedisRateLimiter}: every command gives up after
 * the command timeout, commands are rejected at once while disconnected, the request path never
 * (re)connects; {@link #ping()} connects. Errors surface as Lettuce {@link
 * io.lettuce.core.RedisException}s. Thread-safe; {@link #close()} releases the client.
 */
public final class RedisBudgetLedger implements BudgetLedger, AutoCloseable {
  public static final String KEY_PREFIX = "arbiter:budget:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = FailFastRedis.DEFAULT_COMMAND_TIMEOUT;

  // KEYS: counters. Returns per key {d, c}, or {-1, -1} when absent. Counts stay below 2^53, so
  // Lua's doubles hold them exactly.
  static final String READ_SCRIPT =
      """
      local out = {}
      for i, key in ipairs(KEYS) do
        local v = redis.call('HMGET', key, 'd', 'c')
        if v[1] then
          out[i] = {tonumber(v[1]), tonumber(v[2] or '0')}
        else
          out[i] = {-1, -1}
        end
      end
      return out
      """;

  // KEYS[1] counter; ARGV: maxD, maxC (-1: no limit), addD, addC, expireAt (0: none),
  // seeded (0|1), seedD, seedC. Returns {1 accepted | 0 exhausted | -1 absent, d, c}.
  // The fit rule is Limits.admit's. EXPIREAT goes last (on a key this call created).
  static final String CONSUME_SCRIPT =
      """
      local v = redis.call('HMGET', KEYS[1], 'd', 'c')
      local d, c
      local created = false
      if v[1] then
        d = tonumber(v[1])
        c = tonumber(v[2] or '0')
      else
        if ARGV[6] == '0' then return {-1, 0, 0} end
        d = tonumber(ARGV[7])
        c = tonumber(ARGV[8])
        redis.call('HSET', KEYS[1], 'd', ARGV[7], 'c', ARGV[8])
        created = true
      end
      local maxD = tonumber(ARGV[1])
      local maxC = tonumber(ARGV[2])
      local addD = tonumber(ARGV[3])
      local addC = tonumber(ARGV[4])
      local fits = true
      if maxD >= 0 and d + addD > maxD then fits = false end
      if fits and maxC >= 0 then
        if addC > 0 then
          if c + addC > maxC then fits = false end
        elseif c >= maxC then
          fits = false
        end
      end
      if fits then
        if addD ~= 0 then d = redis.call('HINCRBY', KEYS[1], 'd', ARGV[3]) end
        if addC ~= 0 then c = redis.call('HINCRBY', KEYS[1], 'c', ARGV[4]) end
      end
      if created and ARGV[5] ~= '0' then redis.call('EXPIREAT', KEYS[1], ARGV[5]) end
      if fits then return {1, d, c} end
      return {0, d, c}
      """;

  // KEYS: counters; ARGV per key: addD, addC, ifAbsentD, ifAbsentC, expireAt (0: none).
  // A present counter gets the additions; an absent one is set to the ifAbsent values.
  // Returns per key {d, c} after.
  static final String MERGE_SCRIPT =
      """
      local out = {}
      for i, key in ipairs(KEYS) do
        local b = (i - 1) * 5
        local v = redis.call('HMGET', key, 'd', 'c')
        if v[1] then
          local d = tonumber(v[1])
          local c = tonumber(v[2] or '0')
          if ARGV[b + 1] ~= '0' then d = redis.call('HINCRBY', key, 'd', ARGV[b + 1]) end
          if ARGV[b + 2] ~= '0' then c = redis.call('HINCRBY', key, 'c', ARGV[b + 2]) end
          out[i] = {d, c}
        else
          redis.call('HSET', key, 'd', ARGV[b + 3], 'c', ARGV[b + 4])
          if ARGV[b + 5] ~= '0' then redis.call('EXPIREAT', key, ARGV[b + 5]) end
          out[i] = {tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])}
        end
      end
      return out
      """;

  private static final String READ_SHA = FailFastRedis.sha1(READ_SCRIPT);
  private static final String CONSUME_SHA = FailFastRedis.sha1(CONSUME_SCRIPT);
  private static final String MERGE_SHA = FailFastRedis.sha1(MERGE_SCRIPT);

  private final FailFastRedis redis;

  /** A ledger on the Redis at {@code uri}. Does not connect yet: call {@link #ping()}. */
  public RedisBudgetLedger(RedisURI uri, Duration commandTimeout) {
    this(null, uri, commandTimeout);
  }

  /**
   * A ledger as above whose client runs on {@code resources} (event loops shared with the server's
   * other Redis clients). {@link #close()} leaves shared resources running.
   *
   * @param resources shared Lettuce resources, or null for the client's own
   * @param uri where Redis is (see {@code dev.arbiter.ratelimit.RedisUrls#parse})
   * @param commandTimeout the longest a request waits for Redis, e.g. {@link
   *     #DEFAULT_COMMAND_TIMEOUT}
   */
  public RedisBudgetLedger(ClientResources resources, RedisURI uri, Duration commandTimeout) {
    Objects.requireNonNull(uri, "uri");
    this.redis = new FailFastRedis(resources, uri, commandTimeout);
  }

  @Override
  public Map<String, BudgetUsage> usage(
      String tenantId, Map<String, BudgetPeriod> offers, LocalDate day) {
    Map<String, BudgetCounterKey> keys = new LinkedHashMap<>();
    offers.forEach(
        (offer, period) -> keys.put(offer, BudgetCounterKey.of(tenantId, offer, period, day)));
    Map<BudgetCounterKey, BudgetCount> found = read(List.copyOf(keys.values()));
    Map<String, BudgetUsage> usage = new LinkedHashMap<>();
    keys.forEach(
        (offer, key) -> {
          BudgetCount count = found.get(key);
          usage.put(offer, count == null ? BudgetUsage.ZERO : count.usage());
        });
    return usage;
  }

  @Override
  public boolean tryConsume(
      String tenantId, String offerKey, Budget budget, LocalDate day, long decisions, double cost) {
    Limits.checkAmounts(decisions, cost);
    BudgetCounterKey key = BudgetCounterKey.of(tenantId, offerKey, budget.period(), day);
    return consume(key, Limits.of(budget), decisions, BudgetCount.micros(cost), BudgetCount.ZERO)
        .accepted();
  }

  @Override
  public boolean addSpent(
      String tenantId, String offerKey, BudgetPeriod period, LocalDate day, double cost) {
    Limits.checkAmounts(0, cost);
    BudgetCounterKey key = BudgetCounterKey.of(tenantId, offerKey, period, day);
    return consume(key, Limits.UNLIMITED, 0, BudgetCount.micros(cost), BudgetCount.ZERO).accepted();
  }

  /** The counters of {@code keys} Redis holds, in one script call; absent ones are left out. */
  Map<BudgetCounterKey, BudgetCount> read(List<BudgetCounterKey> keys) {
    Map<BudgetCounterKey, BudgetCount> found = new HashMap<>();
    if (keys.isEmpty()) {
      return found;
    }
    String[] redisKeys = keys.stream().map(RedisBudgetLedger::redisKey).toArray(String[]::new);
    List<Object> reply = run(READ_SHA, READ_SCRIPT, redisKeys);
    for (int i = 0; i < keys.size(); i++) {
      List<?> pair = (List<?>) reply.get(i);
      long d = (Long) pair.get(0);
      if (d >= 0) {
        found.put(keys.get(i), new BudgetCount(d, (Long) pair.get(1)));
      }
    }
    return found;
  }

  /**
   * Checks and adds atomically.
   *
   * @param seed where an absent counter starts; null to answer {@code UNSEEDED} instead
   */
  Consumption consume(
      BudgetCounterKey key, Limits limits, long decisions, long costMicros, BudgetCount seed) {
    List<Object> reply =
        run(
            CONSUME_SHA,
            CONSUME_SCRIPT,
            new String[] {redisKey(key)},
            Long.toString(limits.maxDecisions()),
            Long.toString(limits.maxCostMicros()),
            Long.toString(decisions),
            Long.toString(costMicros),
            Long.toString(expireAt(key)),
            seed == null ? "0" : "1",
            seed == null ? "0" : Long.toString(seed.decisions()),
            seed == null ? "0" : Long.toString(seed.costMicros()));
    long status = (Long) reply.get(0);
    if (status < 0) {
      return Consumption.UNSEEDED;
    }
    BudgetCount count = new BudgetCount((Long) reply.get(1), (Long) reply.get(2));
    return new Consumption(
        status == 1 ? Consumption.Outcome.ACCEPTED : Consumption.Outcome.EXHAUSTED, count);
  }

  /**
   * In one script call: adds {@code additions} to counters Redis holds and sets absent ones to
   * {@code ifAbsent}. Seeding is {@code additions} of zero.
   *
   * @param additions what to add per counter; the key set chooses the counters
   * @param ifAbsent the value of each counter Redis lacks; a missing entry means zero
   * @return every given counter's value after
   */
  Map<BudgetCounterKey, BudgetCount> merge(
      Map<BudgetCounterKey, BudgetCount> additions, Map<BudgetCounterKey, BudgetCount> ifAbsent) {
    Map<BudgetCounterKey, BudgetCount> after = new HashMap<>();
    if (additions.isEmpty()) {
      return after;
    }
    List<BudgetCounterKey> keys = new ArrayList<>(additions.keySet());
    String[] redisKeys = new String[keys.size()];
    String[] args = new String[keys.size() * 5];
    for (int i = 0; i < keys.size(); i++) {
      BudgetCounterKey key = keys.get(i);
      BudgetCount add = additions.get(key);
      BudgetCount absent = ifAbsent.getOrDefault(key, BudgetCount.ZERO);
      redisKeys[i] = redisKey(key);
      args[i * 5] = Long.toString(add.decisions());
      args[i * 5 + 1] = Long.toString(add.costMicros());
      args[i * 5 + 2] = Long.toString(absent.decisions());
      args[i * 5 + 3] = Long.toString(absent.costMicros());
      args[i * 5 + 4] = Long.toString(expireAt(key));
    }
    List<Object> reply = run(MERGE_SHA, MERGE_SCRIPT, redisKeys, args);
    for (int i = 0; i < keys.size(); i++) {
      List<?> pair = (List<?>) reply.get(i);
      after.put(keys.get(i), new BudgetCount((Long) pair.get(0), (Long) pair.get(1)));
    }
    return after;
  }

  /**
   * Connects if not connected, then sends {@code PING}.
   *
   * @return the round-trip time of the {@code PING}
   * @throws io.lettuce.core.RedisException when Redis cannot be reached within the connect timeout
   *     (1 s) or does not answer within the command timeout
   */
  public Duration ping() {
    return redis.ping();
  }

  /** Where this ledger's Redis is, as {@code host:port} (no credentials). */
  public String target() {
    return redis.target();
  }

  /** The longest a request waits for Redis. */
  public Duration commandTimeout() {
    return redis.commandTimeout();
  }

  /** Always true: every count is in Redis as soon as it is made. */
  @Override
  public boolean flush() {
    return true;
  }

  @Override
  public void close() {
    redis.close();
  }

  /** The Redis key of a counter, e.g. {@code arbiter:budget:{acme}:gold-card:2026-11-23}. */
  public static String redisKey(BudgetCounterKey key) {
    return KEY_PREFIX + "{" + key.tenantId() + "}:" + key.offerKey() + ":" + key.periodKey();
  }

  /**
   * Epoch second a daily counter expires at: 00:00 UTC three days after its day, and at least
   * {@link #PAST_DAY_KEPT_SECONDS} from now; 0 for a total (none). A counter of a day already past
   * that (a late charge the reconciler counts) is kept that long too: a key that expired at once
   * would let two nodes each seed it from PostgreSQL and add their charge alone, and the larger
   * save would hide the other's.
   */
  static long expireAt(BudgetCounterKey key, long nowEpochSecond) {
    LocalDate day = key.day();
    return day == null
        ? 0
        : Math.max(
            day.plusDays(3).atStartOfDay(ZoneOffset.UTC).toEpochSecond(),
            nowEpochSecond + PAST_DAY_KEPT_SECONDS);
  }

  /** How long a daily counter is kept at least, from its last creation in Redis: one day. */
  static final long PAST_DAY_KEPT_SECONDS = 86_400;

  private static long expireAt(BudgetCounterKey key) {
    return expireAt(key, System.currentTimeMillis() / 1000);
  }

  private List<Object> run(String sha, String script, String[] keys, String... args) {
    return redis.script(script, sha, ScriptOutputType.MULTI, keys, args);
  }
}
