package dev.arbiter.engine.policy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Evaluates contact policies for one decision. Each policy's history tally is computed once, on
 * first use, in one pass over the history, so checking a policy for each of many offers costs a
 * lookup. Not thread-safe: build one per decision.
 *
 * <p>Windows roll relative to the request time {@code now}: a contact counts for a window {@code W}
 * when its time is at or after {@code now - W}. Contacts later than {@code now} (clock skew between
 * nodes) count too, so a just-recorded contact never slips through a cap.
 */
public final class ContactPolicyEvaluator {
  private final List<ContactEvent> history;
  private final Instant now;
  private final String requestChannel;
  private final Tally[] tallies;

  /**
   * The history grouped by outcome, built on the first tally of a history long enough for it to
   * pay: each policy then reads only the events of its own outcome instead of the whole list (a
   * customer with hundreds of {@code decision} entries no longer costs an impression cap a scan of
   * all of them). Groups keep the history's order.
   */
  private java.util.Map<String, List<ContactEvent>> byOutcome;

  /** Histories at most this long are scanned whole: grouping them costs more than it saves. */
  private static final int GROUP_ABOVE = 16;

  /**
   * @param history the customer's contact history in any order; never null, may be empty
   * @param now the request time
   * @param requestChannel the channel the decision is for, null when unknown
   * @param policyCount the number of policies in the catalog snapshot (ordinals are below it)
   */
  public ContactPolicyEvaluator(
      List<ContactEvent> history, Instant now, String requestChannel, int policyCount) {
    // read by index, never copied: a customer's history can hold hundreds of events and a copy per
    // decision showed in profiles; a list without fast random access is copied once
    this.history = history instanceof java.util.RandomAccess ? history : List.copyOf(history);
    this.now = Objects.requireNonNull(now, "now");
    this.requestChannel = requestChannel;
    this.tallies = new Tally[policyCount];
  }

  /**
   * Checks one policy for one offer.
   *
   * @return the suppression, or null when the policy does not suppress the offer (including when it
   *     does not apply to this request)
   */
  public Suppression check(ContactPolicy policy, String offerKey, String category) {
    return check(policy, offerKey, hash(offerKey), category, category == null ? 0 : hash(category));
  }

  /** The hash {@link #check(ContactPolicy, String, long, String, long)} expects for a key. */
  public static long hash(String key) {
    return dev.arbiter.engine.scoring.SeededRandom.hash(key);
  }

  /**
   * Checks one policy for one offer whose key and category hashes ({@link #hash(String)}) are
   * precomputed, so an offer the history never mentions is cleared without touching its strings.
   *
   * @return the suppression, or null when the policy does not suppress the offer
   */
  public Suppression check(
      ContactPolicy policy,
      String offerKey,
      long offerKeyHash,
      String category,
      long categoryHash) {
    Tally tally = tallies[policy.ordinal()];
    if (tally == null) {
      tally = tally(policy);
      tallies[policy.ordinal()] = tally;
    }
    if (tally == Tally.NOT_APPLICABLE) {
      return null;
    }
    Bucket bucket;
    if (tally.byKey != null) {
      if (tally.byKey.size == 0) {
        return null;
      }
      boolean byCategory = policy.scopeType() == PolicyScopeType.CATEGORY;
      String key = byCategory ? category : offerKey;
      bucket = key == null ? null : tally.byKey.get(key, byCategory ? categoryHash : offerKeyHash);
    } else {
      bucket = tally.single;
    }
    if (bucket == null) {
      return null;
    }
    if (policy.type() == PolicyType.COOLDOWN) {
      return bucket.latest != null && bucket.latest.isAfter(now.minus(policy.window()))
          ? new Suppression(policy, bucket.count, bucket.latest)
          : null;
    }
    return bucket.count >= policy.max() ? new Suppression(policy, bucket.count, null) : null;
  }

  private Tally tally(ContactPolicy policy) {
    String channelFilter = null;
    switch (policy.scopeType()) {
      case CHANNEL -> {
        if (policy.scopeValue() != null) {
          if (!policy.scopeValue().equals(requestChannel)) {
            return Tally.NOT_APPLICABLE;
          }
          channelFilter = policy.scopeValue();
        } else {
          if (requestChannel == null) {
            return Tally.NOT_APPLICABLE;
          }
          channelFilter = requestChannel;
        }
      }
      default -> {}
    }
    String fatigued = null;
    if (policy.type() == PolicyType.CHANNEL_FATIGUE) {
      fatigued = policy.channel() != null ? policy.channel() : requestChannel;
      if (fatigued == null || !fatigued.equals(requestChannel)) {
        return Tally.NOT_APPLICABLE;
      }
    }
    Instant cutoff = policy.type() == PolicyType.COOLDOWN ? null : now.minus(policy.window());
    boolean keyed =
        policy.scopeValue() == null
            && (policy.scopeType() == PolicyScopeType.CATEGORY
                || policy.scopeType() == PolicyScopeType.OFFER);
    Tally tally = new Tally(keyed);
    List<ContactEvent> events = history;
    if (history.size() > GROUP_ABOVE) {
      if (byOutcome == null) {
        byOutcome = new java.util.HashMap<>();
        for (ContactEvent event : history) {
          byOutcome.computeIfAbsent(event.outcome(), k -> new java.util.ArrayList<>()).add(event);
        }
      }
      events = byOutcome.getOrDefault(policy.outcome(), List.of());
    }
    int n = events.size();
    for (int i = 0; i < n; i++) {
      ContactEvent event = events.get(i);
      if (!policy.outcome().equals(event.outcome())) {
        continue;
      }
      if (cutoff != null && event.time().isBefore(cutoff)) {
        continue;
      }
      if (fatigued != null && !fatigued.equals(event.channel())) {
        continue;
      }
      if (channelFilter != null && !channelFilter.equals(event.channel())) {
        continue;
      }
      Bucket bucket;
      switch (policy.scopeType()) {
        case CATEGORY -> {
          if (keyed) {
            if (event.category() == null) {
              continue;
            }
            bucket = tally.byKey.getOrAdd(event.category());
          } else if (policy.scopeValue().equals(event.category())) {
            bucket = tally.single;
          } else {
            continue;
          }
        }
        case OFFER -> {
          if (keyed) {
            if (event.offerKey() == null) {
              continue;
            }
            bucket = tally.byKey.getOrAdd(event.offerKey());
          } else if (policy.scopeValue().equals(event.offerKey())) {
            bucket = tally.single;
          } else {
            continue;
          }
        }
        default -> bucket = tally.single;
      }
      bucket.count++;
      if (bucket.latest == null || event.time().isAfter(bucket.latest)) {
        bucket.latest = event.time();
      }
    }
    return tally;
  }

  private static final class Bucket {
    int count;
    Instant latest;
  }

  private static final class Tally {
    static final Tally NOT_APPLICABLE = new Tally(false);
    final Bucket single;
    final KeyedBuckets byKey;

    Tally(boolean keyed) {
      this.single = keyed ? null : new Bucket();
      this.byKey = keyed ? new KeyedBuckets() : null;
    }
  }

  /**
   * Buckets by key, looked up by a precomputed 64-bit key hash (open addressing): a miss, the
   * common case, compares longs only.
   */
  private static final class KeyedBuckets {
    private long[] hashes = new long[16];
    private String[] keys = new String[16];
    private Bucket[] buckets = new Bucket[16];
    private int size;

    Bucket get(String key, long hash) {
      if (size == 0) {
        return null;
      }
      int mask = hashes.length - 1;
      for (int i = (int) hash & mask; keys[i] != null; i = (i + 1) & mask) {
        if (hashes[i] == hash && keys[i].equals(key)) {
          return buckets[i];
        }
      }
      return null;
    }

    Bucket getOrAdd(String key) {
      long hash = hash(key);
      Bucket existing = get(key, hash);
      if (existing != null) {
        return existing;
      }
      if ((size + 1) * 2 > hashes.length) {
        grow();
      }
      Bucket bucket = new Bucket();
      insert(key, hash, bucket);
      size++;
      return bucket;
    }

    private void insert(String key, long hash, Bucket bucket) {
      int mask = hashes.length - 1;
      int i = (int) hash & mask;
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      hashes[i] = hash;
      keys[i] = key;
      buckets[i] = bucket;
    }

    private void grow() {
      long[] oldHashes = hashes;
      String[] oldKeys = keys;
      Bucket[] oldBuckets = buckets;
      hashes = new long[oldHashes.length * 2];
      keys = new String[oldHashes.length * 2];
      buckets = new Bucket[oldHashes.length * 2];
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != null) {
          insert(oldKeys[i], oldHashes[i], oldBuckets[i]);
        }
      }
    }
  }
}
