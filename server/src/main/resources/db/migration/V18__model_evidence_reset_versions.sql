-- Evidence resets compared by catalog version, not by time.
--
-- V17 recorded when a model's evidence was reset, and the Respond statement compared that with the
-- decision's time. A node still deciding with the old catalog (the change reaches it after the
-- commit, the NOTIFY and a snapshot rebuild) makes decisions later than the reset whose outcomes
-- then refilled what it emptied. A reset now records the catalog version the change made, and
-- evidence is added only where no reset came with a newer version than the decision's
-- (decision.made.v1's catalogVersion). reset_at stays, for operators. Rows written before this
-- version get 0, which blocks nothing. A column with a constant default is a catalog-only change:
-- no rewrite, a brief lock on the (small) table.
set local lock_timeout = '10s';
alter table model_evidence_resets add column catalog_version bigint not null default 0;
