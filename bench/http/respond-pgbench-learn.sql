-- Diagnostic for run-respond.sh: the three Thompson evidence upserts a positive Respond makes
-- (offer, category, global rows of one model: the global row is shared by every transaction),
-- one statement each.
-- (run-respond.sh runs respond-pgbench.sql with these lines inserted before its COMMIT.)
\set o random(1, 3)
INSERT INTO pgb.model_beta_counts AS m VALUES (:tenant::text, 'homepage-bandit', 'offer', (array['gold-card','personal-loan','travel-insurance'])[:o::int], 1, 0, now())
ON CONFLICT (tenant_id, model_key, level, key) DO UPDATE
   SET alpha = m.alpha + excluded.alpha, beta = m.beta + excluded.beta, updated_at = excluded.updated_at;
INSERT INTO pgb.model_beta_counts AS m VALUES (:tenant::text, 'homepage-bandit', 'category', (array['cards','loans','insurance'])[:o::int], 1, 0, now())
ON CONFLICT (tenant_id, model_key, level, key) DO UPDATE
   SET alpha = m.alpha + excluded.alpha, beta = m.beta + excluded.beta, updated_at = excluded.updated_at;
INSERT INTO pgb.model_beta_counts AS m VALUES (:tenant::text, 'homepage-bandit', 'global', '', 1, 0, now())
ON CONFLICT (tenant_id, model_key, level, key) DO UPDATE
   SET alpha = m.alpha + excluded.alpha, beta = m.beta + excluded.beta, updated_at = excluded.updated_at;
