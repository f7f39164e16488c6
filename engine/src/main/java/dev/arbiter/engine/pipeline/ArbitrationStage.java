package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.arbitration.ArbitrationProfile;
import dev.arbiter.engine.arbitration.Factors;
import dev.arbiter.engine.catalog.Flow;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.trace.Stage;
import java.util.Map;

/**
 * Scores every surviving offer with the flow's arbitration profile, removes those a zero factor
 * eliminates (PRIE), and keeps the top {@code min(request limit, flow maxOffers)}, ranked by score
 * descending, then priority descending, then offer key ascending. Offers below the top N are
 * recorded as removed too, so every stage's {@code in - out} equals its removals.
 */
final class ArbitrationStage implements PipelineStage {
  @Override
  public Stage stage() {
    return Stage.ARBITRATION;
  }

  @Override
  public void apply(DecisionWork w) {
    Flow flow = w.flow;
    ArbitrationProfile profile = flow.profile();
    Map<?, ?> contextRelevance =
        w.request.context().get("relevance") instanceof Map<?, ?> m ? m : null;
    if (contextRelevance != null) {
      w.relevance = new double[w.candidates.length];
    }
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      double p = w.propensity[i];
      double r = flow.relevanceFactor(i);
      boolean staticEliminated;
      double staticTerm;
      double override = Double.NaN;
      if (contextRelevance != null) {
        Offer offer = w.candidates[i];
        override = Factors.relevance(contextRelevance.get(offer.key()));
        if (Double.isNaN(override) && offer.category() != null) {
          override = Factors.relevance(contextRelevance.get(offer.category()));
        }
      }
      if (!Double.isNaN(override)) {
        r = override;
        staticEliminated = profile.eliminatesStatic(r, flow.valueFactor(i), flow.priorityFactor(i));
        staticTerm =
            staticEliminated
                ? 0
                : profile.staticTerm(r, flow.valueFactor(i), flow.priorityFactor(i));
      } else {
        staticEliminated = flow.staticallyEliminated(i);
        staticTerm = flow.staticTerm(i);
      }
      if (w.relevance != null) {
        w.relevance[i] = r;
      }
      if (staticEliminated || profile.eliminates(p, profile.propensityWeight())) {
        w.eliminated[i] = true;
        w.remove(i, Stage.ARBITRATION, new Reasons.ZeroFactor(zeroFactors(profile, p, r, flow, i)));
        continue;
      }
      w.rankKey[i] = profile.rankKey(staticTerm, p);
      w.alive[kept++] = i;
    }
    w.count = kept;

    int limit = flow.maxOffers();
    if (w.request.limit() != null) {
      limit = Math.min(limit, w.request.limit());
    }
    int[] top = topN(w, Math.min(limit, w.count));
    if (top.length < w.count) {
      boolean[] inTop = new boolean[w.candidates.length];
      for (int i : top) {
        inTop[i] = true;
      }
      double cutoff = profile.score(w.rankKey[top[top.length - 1]]);
      Reasons.RankedOut rankedOut = new Reasons.RankedOut(limit, cutoff);
      for (int k = 0; k < w.count; k++) {
        int i = w.alive[k];
        if (!inTop[i]) {
          w.remove(i, Stage.ARBITRATION, rankedOut);
        }
      }
    }
    System.arraycopy(top, 0, w.alive, 0, top.length);
    w.count = top.length;
    w.result = top;
    w.resultCount = top.length;
  }

  private static String zeroFactors(
      ArbitrationProfile profile, double p, double r, Flow flow, int i) {
    StringBuilder names = new StringBuilder();
    append(names, profile.eliminates(p, profile.propensityWeight()), "propensity");
    append(names, profile.eliminates(r, profile.relevanceWeight()), "relevance");
    append(names, profile.eliminates(flow.valueFactor(i), profile.valueWeight()), "value");
    append(names, profile.eliminates(flow.priorityFactor(i), profile.priorityWeight()), "priority");
    return names.toString();
  }

  private static void append(StringBuilder names, boolean zero, String name) {
    if (zero) {
      if (!names.isEmpty()) {
        names.append(" and ");
      }
      names.append(name);
    }
  }

  /** Whether candidate {@code a} ranks before {@code b}. */
  private static boolean before(DecisionWork w, int a, int b) {
    int c = Double.compare(w.rankKey[a], w.rankKey[b]);
    if (c != 0) {
      return c > 0;
    }
    int pa = w.candidates[a].priority();
    int pb = w.candidates[b].priority();
    if (pa != pb) {
      return pa > pb;
    }
    // Candidates are in key order, so the lower index has the lower key.
    return a < b;
  }

  /** The best {@code n} survivors, best first: a heap of size n whose root is the worst kept. */
  private static int[] topN(DecisionWork w, int n) {
    int[] heap = new int[n];
    if (n == 0) {
      return heap;
    }
    int size = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      if (size < n) {
        heap[size] = i;
        siftUp(w, heap, size);
        size++;
      } else if (before(w, i, heap[0])) {
        heap[0] = i;
        siftDown(w, heap, 0, size);
      }
    }
    int[] ranked = new int[n];
    for (int pos = n - 1; pos >= 0; pos--) {
      ranked[pos] = heap[0];
      size--;
      heap[0] = heap[size];
      siftDown(w, heap, 0, size);
    }
    return ranked;
  }

  private static void siftUp(DecisionWork w, int[] heap, int pos) {
    while (pos > 0) {
      int parent = (pos - 1) >>> 1;
      if (before(w, heap[parent], heap[pos])) {
        int t = heap[parent];
        heap[parent] = heap[pos];
        heap[pos] = t;
        pos = parent;
      } else {
        return;
      }
    }
  }

  private static void siftDown(DecisionWork w, int[] heap, int pos, int size) {
    while (true) {
      int left = 2 * pos + 1;
      if (left >= size) {
        return;
      }
      int worst = left;
      int right = left + 1;
      if (right < size && before(w, heap[left], heap[right])) {
        worst = right;
      }
      if (before(w, heap[pos], heap[worst])) {
        int t = heap[pos];
        heap[pos] = heap[worst];
        heap[worst] = t;
        pos = worst;
      } else {
        return;
      }
    }
  }
}
