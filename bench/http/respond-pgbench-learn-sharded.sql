-- Diagnostic for run-respond.sh: the three upserts in one statement into 16-way sharded counters
-- (shard picked at random per transaction), so concurrent transactions rarely share a row.
-- (run-respond.sh runs respond-pgbench.sql with these lines inserted before its COMMIT.)
\set o random(1, 3)
\set s random(0, 15)
INSERT INTO pgb.model_beta_counts_sharded AS m VALUES
  (:tenant::text, 'homepage-bandit', 'offer', (array['gold-card','personal-loan','travel-insurance'])[:o::int], :s::smallint, 1, 0, now()),
  (:tenant::text, 'homepage-bandit', 'category', (array['cards','loans','insurance'])[:o::int], :s::smallint, 1, 0, now()),
  (:tenant::text, 'homepage-bandit', 'global', '', :s::smallint, 1, 0, now())
ON CONFLICT (tenant_id, model_key, level, key, shard) DO UPDATE
   SET alpha = m.alpha + excluded.alpha, beta = m.beta + excluded.beta, updated_at = excluded.updated_at;
