-- When a model's learned evidence was last deleted because it stopped meaning anything: the model
-- deleted, created again under its key or given another type (predictor ''), or a naive Bayes
-- predictor made to bin otherwise (its name).
--
-- Evidence is keyed by the model's key, and a Respond may come days after its decision: without
-- this, an outcome of a decision made before such a change was folded into what the change had
-- just emptied (a new Thompson model starting from the old one's outcomes; a node that had not yet
-- seen a predictor change writing old bins back). The Respond statement now adds evidence only
-- when no reset of the model (or of that predictor) is later than the decision. One row per model
-- key and predictor, kept. A new table: no lock on any existing one.
create table model_evidence_resets (
    tenant_id  text        not null,
    model_key  text        not null,
    predictor  text        not null,
    reset_at   timestamptz not null default now(),
    primary key (tenant_id, model_key, predictor)
);
