-- Drops the monthly partition of interactions for the calendar month (UTC) containing month_start,
-- for the interaction retention (ARBITER_INTERACTION_RETENTION, InteractionPartitions.purge).
-- Returns whether it dropped one (false: none exists, another node was first). Each lock it takes
-- is waited for at most lock_wait_ms; then it fails with lock_not_available (55P03).
--
-- DROP TABLE of a partition takes an exclusive lock on the partitioned table as well, which every
-- Respond and every contact-history load needs; queued behind a reader of the old month (a
-- pg_dump, an export, an autovacuum) it would hold them all up while it waited. So the month's own
-- table is locked first, and the caller keeps each wait short and retries. Serialized with
-- interactions_ensure_partition (V5) on the same advisory lock.
create function interactions_drop_partition(month_start date, lock_wait_ms integer) returns boolean
language plpgsql as $$
declare
    part_name text := 'interactions_' || to_char(date_trunc('month', month_start), 'YYYY_MM');
begin
    perform set_config('lock_timeout', lock_wait_ms || 'ms', true);
    perform pg_advisory_xact_lock(hashtext('arbiter.interactions_partitions'));
    if to_regclass(part_name) is null then
        return false;
    end if;
    execute format('lock table %I in access exclusive mode', part_name);
    execute format('drop table %I', part_name);
    return true;
end
$$;
