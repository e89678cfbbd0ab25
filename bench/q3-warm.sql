-- Q3 as the service issues it once its answer is kept (every request after the first while
-- the municipality's data is unchanged): the ledger's transaction, which reads the data
-- versions the kept page is checked against and writes the access-log entry of the rows the
-- page hands out, committed before the page is sent. Captured from PostgreSQL's statement log
-- of one warm request (scripts/bench --capture-sql). One request alone issues all of it;
-- under load concurrent requests share one such transaction (one versions read, one INSERT
-- of all their entries, one commit), which this script does not model: it is the cost of one
-- request on its own.
BEGIN;
SELECT set_config('app.municipalities', '@KOMMUNE@', true);
SELECT (SELECT version FROM reference_version WHERE id = 1) AS reference, (SELECT CAST(SUM(version) AS BIGINT) FROM count_versions) AS counts;
INSERT INTO "access_log" ("kommunenummer", "id", "occurred_at", "actor", "role", "request_id", "operation", "access", "record_type", "row_count") VALUES ('@KOMMUNE@', gen_random_uuid(), now(), 'dev|dev-@KOMMUNE@-coordinator', 'coordinator', gen_random_uuid()::text, 'Q3', 'list', 'OverdoseIncident', 100);
COMMIT;
