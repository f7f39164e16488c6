-- Diagnostic for run-respond.sh: respond-pgbench-learn.sql with the three upserts in one statement.
\set c random(1, 1000)
\set o random(1, 3)
BEGIN;
INSERT INTO pgb.interactions (id, tenant_id, customer_id, decision_id, offer_key, category,
                              channel, outcome, value, occurred_at, recorded_at, idempotency_key)
VALUES (lpad(txid_current()::text, 36, '0'), :tenant::text, 'c-' || :c::int,
        '01a22690-7d3e-7fcc-87f1-' || lpad(:c::int::text, 12, '0'), 'personal-loan', 'loans', 'web',
        'click', NULL, now(), now(), 'pgb-' || txid_current());
INSERT INTO pgb.outbox_events (id, tenant_id, type, partition_key, event, status, attempts,
                               next_attempt_at, created_at)
VALUES (lpad(txid_current()::text, 36, '0'), :tenant::text, 'interaction.recorded.v1', 'demo:' || 'c-' || :c::int,
        cast(format('{"id": "%s", "data": {"value": null, "tenant": "demo", "channel": "web", '
                    '"flowKey": "homepage", "outcome": "click", "category": "loans", '
                    '"offerKey": "personal-loan", "customerId": "c-%s", "decisionId": '
                    '"01a22690-7d3e-7fcc-87f1-%s", "occurredAt": "%s", "recordedAt": "%s", '
                    '"interactionId": "%s", "classification": "positive"}, "time": "%s", '
                    '"type": "interaction.recorded.v1", "source": "/arbiter/tenants/demo", '
                    '"subject": "c-%s", "specversion": "1.0", "datacontenttype": "application/json"}',
                    lpad(txid_current()::text, 36, '0'), :c::int, lpad(:c::int::text, 12, '0'),
                    now(), now(), lpad(txid_current()::text, 36, '0'), now(), :c::int) as jsonb),
        'pending', 0, now(), now());
INSERT INTO pgb.model_beta_counts AS m VALUES
  (:tenant::text, 'homepage-bandit', 'offer', (array['gold-card','personal-loan','travel-insurance'])[:o::int], 1, 0, now()),
  (:tenant::text, 'homepage-bandit', 'category', (array['cards','loans','insurance'])[:o::int], 1, 0, now()),
  (:tenant::text, 'homepage-bandit', 'global', '', 1, 0, now())
ON CONFLICT (tenant_id, model_key, level, key) DO UPDATE
   SET alpha = m.alpha + excluded.alpha, beta = m.beta + excluded.beta, updated_at = excluded.updated_at;
COMMIT;
