package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.redis.FailFastRedis;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The contact history store in Redis: one list per customer shared by every node on the same Redis.
 *
 * <p>A customer's list is a hash at {@value #KEY_PREFIX}{@code <tenant>:<customer>} from entry id
 * to the entry's compact encoding (epoch millis in base 36, outcome, offer, category, channel),
 * plus the field {@code !} once PostgreSQL's interactions were merged in (its value says with which
 * horizon and cap: a node whose settings ask for more loads again), and the field {@code #} once an
 * append of decision entries counted the list's version ({@link #appendDecisions} checks it). Its
 * value is an encoded entry dated 1970, which nodes built before it skip as past the horizon and
 * delete when they trim (the version reads 0 again: a decision that read the list at 0 may then
 * pass its check over one appended since); their own appends move no version, so their decisions
 * can pass a cap beside a new node's, as before. Hashing by entry id is what makes merging safe: an
 * interaction appended after Respond and the same row loaded from PostgreSQL are one field. {@link
 * #history} is one {@code HGETALL}; without the {@code !} field (never loaded, or only appended to)
 * it loads from PostgreSQL and merges with one script call that also returns the merged list.
 * {@link #append} is one script call: {@code HSET}, trimming (horizon, then the newest {@code
 * maxEvents} of each kind, decision entries and interactions) once the hash outgrows both caps by a
 * quarter of one, and {@code PEXPIRE} of the horizon, so an idle customer's list leaves Redis by
 * itself. Readers trim to the caps exactly. Each script touches one key, so this also works on a
 * Redis Cluster; an entry costs roughly 60 to 100 bytes of Redis memory. Under memory pressure
 * prefer an evicting policy ({@code volatile-lru}): an evicted list is loaded again, losing only
 * its decision entries.
 *
 * <p>Fails fast like {@link dev.arbiter.ratelimit.RedisRateLimiter}: commands give up after the
 * command timeout, are rejected at once while disconnected, and only {@link #ping()} (re)connects;
 * failures surface as Lettuce {@link io.lettuce.core.RedisException}s for {@link
 * FailoverContactHistoryStore}. PostgreSQL failures surface as Spring {@code DataAccessException}s.
 * Thread-safe; {@link #close()} releases the client.
 */
public final class RedisContactHistoryStore implements ContactHistoryStore, AutoCloseable {
  public static final String KEY_PREFIX = "arbiter:ch:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = FailFastRedis.DEFAULT_COMMAND_TIMEOUT;
  static final String LOADED = ContactEntry.RESERVED_ID;

  /** The field holding the list's version (see the class comment). */
  static final String VERSION = ContactEntry.VERSION_ID;

  /**
   * How the version field's value starts; the version follows, then a separator, how many entries
   * the last trim kept (or nothing), and a separator.
   */
  static final String VERSION_VALUE_PREFIX =
      "0" + ContactEntries.SEPARATOR + "version" + ContactEntries.SEPARATOR;

  // KEYS[1] the customer's hash. ARGV[1] '0', or the loaded marker's value (what the load read, see
  // loadedMarker) to set and trim; ARGV[2] cutoff (epoch ms); ARGV[3]
  // cap; ARGV[4] TTL ms; ARGV[5] '1' returns the hash; ARGV[6] the version the list must be at,
  // which then moves on to ARGV[7], or the script returns -1 and changes nothing; '*' to move it on
  // without the check (decision entries appended unconditionally), '' to leave it (interactions);
  // ARGV[7] the version it moves on to: random, so a list lost or rolled back (a failover to a
  // lagging replica) and written anew does not reach again a version a decision read before;
  // ARGV[8..] id, value pairs to set.
  // The version field also holds how many entries the last trim kept: the next trim comes a quarter
  // of a cap after that, so a list of decisions only is not let grow to twice its cap (every read
  // would fetch and decode the excess). Without it, a trim comes once the hash outgrows both caps.
  // Arguments go to HSET/HDEL in chunks: unpack() of thousands of values overflows Lua's C stack.
  static final String MERGE_SCRIPT =
      """
      local key = KEYS[1]
      local n = #ARGV
      local versioned = redis.call('HGET', key, '#')
      local current, kept = 0, nil
      if versioned then
        local v, k = string.match(versioned, '^0\\31version\\31(%d+)\\31?(%d*)')
        current = tonumber(v) or 0
        kept = tonumber(k)
      end
      if ARGV[6] ~= '' then
        if ARGV[6] ~= '*' and current ~= tonumber(ARGV[6]) then return -1 end
        current = tonumber(ARGV[7])
      end
      local i = 8
      while i <= n do
        local last = math.min(i + 999, n)
        redis.call('HSET', key, unpack(ARGV, i, last))
        i = last + 1
      end
      local cap = tonumber(ARGV[3])
      if ARGV[1] ~= '0' then redis.call('HSET', key, '!', ARGV[1]) end
      local len = redis.call('HLEN', key)
      local trimmed = false
      if len > 0 then
        -- Up to a cap of each kind stays, plus the loaded marker and the version; a quarter of a
        -- cap more is let grow between trims, so a full hash is not scanned on every append.
        local limit = 2 * cap + 2 + math.floor(cap / 4)
        if kept then limit = math.min(limit, kept + 2 + math.floor(cap / 4)) end
        if ARGV[1] ~= '0' or len > limit then
          trimmed = true
          local cutoff = tonumber(ARGV[2])
          local all = redis.call('HGETALL', key)
          local live, dead = {}, {}
          for j = 1, #all, 2 do
            local f = all[j]
            if f ~= '!' and f ~= '#' then
              local v = all[j + 1]
              local sep = string.find(v, '\\31', 1, true)
              local t = sep and tonumber(string.sub(v, 1, sep - 1), 36)
              if t == nil or t < cutoff then
                dead[#dead + 1] = f
              else
                local sep2 = string.find(v, '\\31', sep + 1, true)
                local kind = (sep2 and string.sub(v, sep + 1, sep2 - 1) == 'decision') and 1 or 2
                live[#live + 1] = {t, f, kind}
              end
            end
          end
          kept = #live
          if #live > cap then
            table.sort(live, function(a, b)
              if a[1] ~= b[1] then return a[1] > b[1] end
              return a[2] > b[2]
            end)
            local each = {0, 0}
            for j = 1, #live do
              local kind = live[j][3]
              if each[kind] < cap then each[kind] = each[kind] + 1 else dead[#dead + 1] = live[j][2] end
            end
            kept = each[1] + each[2]
          end
          for j = 1, #dead, 1000 do
            redis.call('HDEL', key, unpack(dead, j, math.min(j + 999, #dead)))
          end
          -- a trim by a node whose horizon or cap is smaller than the load's leaves the list
          -- holding less: the marker says so, so that a node asking for more loads again
          if ARGV[1] == '0' then
            local marker = redis.call('HGET', key, '!')
            if marker then
              local h, c = string.match(marker, '^h(%d+)c(%d+)')
              h, c = tonumber(h), tonumber(c)
              if marker == '1' then h, c = 7776000000, 500 end
              local th, tc = tonumber(ARGV[4]), cap
              if h and c and (th < h or tc < c) then
                redis.call('HSET', key, '!', 'h' .. string.format('%.0f', math.min(h, th))
                  .. 'c' .. string.format('%.0f', math.min(c, tc)))
              end
            end
          end
        end
      end
      if ARGV[6] ~= '' or (trimmed and versioned) then
        redis.call('HSET', key, '#', '0\\31version\\31' .. string.format('%.0f', current)
          .. '\\31' .. (kept and string.format('%.0f', kept) or '') .. '\\31')
      end
      -- after every write, the version's included: a hash never outlives the horizon
      if len > 0 or ARGV[6] ~= '' then redis.call('PEXPIRE', key, ARGV[4]) end
      if ARGV[5] == '1' then return redis.call('HGETALL', key) end
      return len
      """;

  static final String MERGE_SCRIPT_SHA = FailFastRedis.sha1(MERGE_SCRIPT);

  private final InteractionReader interactions;
  private final ContactHistoryProperties properties;
  private final ContactHistoryMetrics metrics;
  private final Clock clock;
  private final FailFastRedis redis;
  private final String ttlMillis;
  private final String loadedMarker;

  /**
   * A store on the Redis at {@code uri}. Does not connect yet: call {@link #ping()}.
   *
   * @param resources shared Lettuce resources, or null for the client's own; {@link #close()}
   *     leaves shared resources running
   * @param uri where Redis is (see {@link dev.arbiter.ratelimit.RedisUrls#parse})
   * @param commandTimeout the longest a call waits for Redis, e.g. {@link #DEFAULT_COMMAND_TIMEOUT}
   * @param interactions where a miss loads durable interactions from
   * @param properties horizon and cap
   * @param metrics hit/miss and load latency go here
   * @param clock time for the horizon
   */
  public RedisContactHistoryStore(
      ClientResources resources,
      RedisURI uri,
      Duration commandTimeout,
      InteractionReader interactions,
      ContactHistoryProperties properties,
      ContactHistoryMetrics metrics,
      Clock clock) {
    Objects.requireNonNull(uri, "uri");
    this.interactions = Objects.requireNonNull(interactions, "interactions");
    this.properties = Objects.requireNonNull(properties, "properties");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ttlMillis = Long.toString(properties.horizon().toMillis());
    this.loadedMarker = loadedMarker(properties);
    this.redis = new FailFastRedis(resources, uri, commandTimeout);
  }

  @Override
  public List<ContactEvent> history(String tenantId, String customerId) {
    return read(tenantId, customerId).events();
  }

  @Override
  public ContactHistory read(String tenantId, String customerId) {
    String key = key(tenantId, customerId);
    Instant now = clock.instant();
    Instant cutoff = now.minus(properties.horizon());
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey(key);
    ContactListOutput.Fields hash =
        redis.call(c -> c.dispatch(CommandType.HGETALL, new ContactListOutput(cutoff), args));
    if (hash.loaded != null && covers(hash.loaded)) {
      metrics.hits.increment();
      return history(hash);
    }
    // never loaded, or loaded by a node that read less of PostgreSQL (a shorter horizon or a
    // smaller cap, before a setting was raised): load, and merge into what the list holds. With
    // what the list was loaded with where that is more, so that two nodes whose settings differ
    // (one a longer horizon, the other a larger cap) do not load it again at every read.
    ContactHistoryProperties loadWith = hash.loaded == null ? properties : union(hash.loaded);
    List<ContactEntry> rows = metrics.loadOnMiss(interactions, tenantId, customerId, now, loadWith);
    @SuppressWarnings("unchecked")
    List<Object> reply =
        (List<Object>) merge(key, rows, now.minus(loadWith.horizon()), loadWith, null);
    ContactListOutput.Fields merged = new ContactListOutput.Fields(cutoff);
    for (int i = 0; i + 1 < reply.size(); i += 2) {
      merged.add((String) reply.get(i), (String) reply.get(i + 1));
    }
    return history(merged);
  }

  @Override
  public void append(String tenantId, String customerId, List<ContactEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    merge(
        key(tenantId, customerId),
        entries,
        clock.instant().minus(properties.horizon()),
        null,
        null);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One script call, which checks the version and appends atomically; waits for Redis's reply.
   * Each append of decision entries moves the version to a random number (up to 2^48), so a list
   * that expired, was evicted or was rolled back since {@code read} and took decisions anew does
   * not, but for a chance of 2^-48, come back to the version {@code read} holds.
   *
   * @throws io.lettuce.core.RedisException when Redis fails or does not answer in time (the entries
   *     may or may not have been appended)
   */
  @Override
  public boolean appendDecisions(
      String tenantId, String customerId, List<ContactEntry> entries, ContactHistory read) {
    if (entries.isEmpty()) {
      return true;
    }
    Object reply =
        merge(
            key(tenantId, customerId),
            entries,
            clock.instant().minus(properties.horizon()),
            null,
            read.version());
    return (Long) reply >= 0;
  }

  /**
   * {@link #append} without waiting for the reply: the command is written to this store's one
   * connection before this returns, so a later {@link #history} from this store sees the entries
   * (Redis runs one connection's commands in order); other nodes see them once Redis ran it.
   *
   * @return completes when Redis ran it, or exceptionally with a Lettuce {@link
   *     io.lettuce.core.RedisException} (after at most the command timeout)
   * @throws io.lettuce.core.RedisException at once when not connected
   */
  public CompletionStage<Void> appendAsync(
      String tenantId, String customerId, List<ContactEntry> entries) {
    if (entries.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String[] keys = {key(tenantId, customerId)};
    String[] values = arguments(entries, clock.instant().minus(properties.horizon()), null, null);
    return redis
        .send(c -> c.<Long>evalsha(MERGE_SCRIPT_SHA, ScriptOutputType.INTEGER, keys, values))
        .exceptionallyCompose(
            e ->
                unwrap(e) instanceof RedisNoScriptException
                    ? redis.send(
                        c -> c.<Long>eval(MERGE_SCRIPT, ScriptOutputType.INTEGER, keys, values))
                    : CompletableFuture.failedFuture(unwrap(e)))
        // a write on a connection closing under it fails with Netty's exception, not Lettuce's
        .exceptionallyCompose(
            e -> CompletableFuture.failedFuture(FailFastRedis.redisFailure(unwrap(e))))
        .thenApply(reply -> null);
  }

  /**
   * Deletes the customer's list, so the next {@link #history} loads their interactions from
   * PostgreSQL again (their {@code decision} entries are lost).
   */
  public void forget(String tenantId, String customerId) {
    redis.call(c -> c.del(key(tenantId, customerId)));
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

  /** Where this store's Redis is, as {@code host:port} (no credentials). */
  public String target() {
    return redis.target();
  }

  /** The longest a call waits for Redis. */
  public Duration commandTimeout() {
    return redis.commandTimeout();
  }

  /** The Redis key of a customer's list. */
  public static String key(String tenantId, String customerId) {
    return KEY_PREFIX + tenantId + ':' + customerId;
  }

  @Override
  public void close() {
    redis.close();
  }

  /**
   * Runs {@link #MERGE_SCRIPT}: its reply, the merged hash as a list of field, value pairs when
   * {@code loadWith} (the settings a load read PostgreSQL with) is given, else a {@code Long} (-1
   * when {@code version} is given and the list was not at it).
   */
  private Object merge(
      String key,
      List<ContactEntry> entries,
      Instant cutoff,
      ContactHistoryProperties loadWith,
      Long version) {
    String[] keys = {key};
    String[] values = arguments(entries, cutoff, loadWith, version);
    ScriptOutputType type = loadWith != null ? ScriptOutputType.MULTI : ScriptOutputType.INTEGER;
    return redis.script(MERGE_SCRIPT, MERGE_SCRIPT_SHA, type, keys, values);
  }

  private String[] arguments(
      List<ContactEntry> entries, Instant cutoff, ContactHistoryProperties loadWith, Long version) {
    boolean load = loadWith != null;
    List<String> args = new ArrayList<>(7 + entries.size() * 2);
    args.add(load ? loadedMarker(loadWith) : "0");
    args.add(Long.toString(cutoff.toEpochMilli()));
    args.add(Integer.toString(load ? loadWith.maxEvents() : properties.maxEvents()));
    args.add(load ? Long.toString(loadWith.horizon().toMillis()) : ttlMillis);
    args.add(load ? "1" : "0");
    args.add(
        version != null ? Long.toString(version) : ContactEntries.hasDecisions(entries) ? "*" : "");
    // the next version: 1 to 2^48, exact in Lua's numbers (and formatted without exponent)
    args.add(Long.toString(1 + (ThreadLocalRandom.current().nextLong() >>> 16)));
    for (ContactEntry e : entries) {
      if (!e.event().time().isBefore(cutoff)) {
        args.add(e.id());
        args.add(ContactEntries.encode(e.event()));
      }
    }
    return args.toArray(new String[0]);
  }

  static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /**
   * The history a hash holds: its entries newest first, capped, and its version. Fields that are
   * not entries this node can read are left out and counted.
   */
  private ContactHistory history(ContactListOutput.Fields hash) {
    List<ContactEntry> entries = hash.entries();
    if (hash.unreadable > 0) {
      metrics.unreadable.increment(hash.unreadable);
    }
    ContactEntries.sortNewestFirst(entries);
    return new ContactHistory(
        ContactEntries.events(ContactEntries.capped(entries, properties.maxEvents())),
        version(hash.version),
        0);
  }

  /**
   * The value of the loaded marker ({@link #LOADED}) a load with {@code properties} writes: the
   * horizon in milliseconds and the cap it read PostgreSQL's interactions with ({@code
   * h<millis>c<cap>}). Nodes built before it wrote {@code 1}, and read any value as loaded.
   */
  static String loadedMarker(ContactHistoryProperties properties) {
    return "h" + properties.horizon().toMillis() + "c" + properties.maxEvents();
  }

  /**
   * Whether a list whose loaded marker is {@code marker} holds every interaction this store's
   * settings ask for: loaded with a horizon and a cap at least as large. {@code 1} (nodes built
   * before the marker held the settings) stands for the defaults they had: 90 days, 500.
   */
  boolean covers(String marker) {
    long[] loaded = parseMarker(marker);
    return loaded != null
        && loaded[0] >= properties.horizon().toMillis()
        && loaded[1] >= properties.maxEvents();
  }

  /**
   * This store's settings, raised to the horizon and cap of {@code marker} where those are larger
   * (within the settings' bounds); this store's own when the marker is not understood.
   */
  ContactHistoryProperties union(String marker) {
    long[] loaded = parseMarker(marker);
    if (loaded == null) {
      return properties;
    }
    return new ContactHistoryProperties(
        // bounded as the settings are (a damaged marker must not make a load reach back years)
        Duration.ofMillis(
            Math.max(
                properties.horizon().toMillis(),
                Math.min(loaded[0], ContactHistoryProperties.MAX_HORIZON.toMillis()))),
        (int)
            Math.min(
                ContactHistoryProperties.MAX_EVENTS, Math.max(properties.maxEvents(), loaded[1])),
        properties.maxLocalCustomers());
  }

  /**
   * The horizon (ms) and cap a loaded marker holds, or null when not understood ({@code 1}, from
   * nodes built before the marker held the settings, stands for the defaults they had).
   */
  private static long[] parseMarker(String marker) {
    if (marker.equals("1")) {
      return new long[] {
        ContactHistoryProperties.DEFAULTS.horizon().toMillis(),
        ContactHistoryProperties.DEFAULTS.maxEvents()
      };
    }
    // h<digits>c<digits>, and whatever a later version adds after them
    int c = marker.startsWith("h") ? digitsEnd(marker, 1) : -1;
    int end =
        c > 1 && c < marker.length() && marker.charAt(c) == 'c' ? digitsEnd(marker, c + 1) : -1;
    if (end <= c + 1 || end - c > 19 || c > 19) {
      return null; // not understood: load again, which writes this node's
    }
    return new long[] {Long.parseLong(marker, 1, c, 10), Long.parseLong(marker, c + 1, end, 10)};
  }

  /** Where the run of ASCII digits of {@code s} from {@code start} ends. */
  private static int digitsEnd(String s, int start) {
    int i = start;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  /** The version a {@link #VERSION} field's value holds; 0 for none or one not understood. */
  static long version(String value) {
    if (value == null || !value.startsWith(VERSION_VALUE_PREFIX)) {
      return 0;
    }
    int end = value.indexOf(ContactEntries.SEPARATOR, VERSION_VALUE_PREFIX.length());
    try {
      return Long.parseLong(
          value.substring(VERSION_VALUE_PREFIX.length(), end < 0 ? value.length() : end));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
