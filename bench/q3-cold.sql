-- Q3 as the service issues it when no kept answer matches (the first request, or after a
-- write of the municipality): one warm-process request of bench/q3.graphql (100 incidents with
-- every field, totalCount, pageInfo, municipality { kommunenummer name population(year: 2025) })
-- captured from PostgreSQL's statement log (scripts/bench --capture-sql) and written down
-- statement by statement. scripts/bench fills in @KOMMUNE@ and @PAGE_IDS@ (the ids of the
-- page's 100 incidents, as an array literal).

-- The data versions, which the answer is kept under and whose reference version the nested
-- municipality is read at (the reference data itself is kept in memory).
SELECT (SELECT version FROM reference_version WHERE id = 1) AS reference, (SELECT CAST(SUM(version) AS BIGINT) FROM count_versions) AS counts;

-- The page (first + 1 rows, to know hasNextPage), its suspectedSubstances (the DataLoader is
-- fed with them) and totalCount from the kept monthly counts, in one scoped transaction.
BEGIN;
SELECT set_config('app.municipalities', '@KOMMUNE@', true);
SELECT "overdose_incidents"."kommunenummer", "overdose_incidents"."id", "overdose_incidents"."synthetic", "overdose_incidents"."version", "overdose_incidents"."idempotency_key", "overdose_incidents"."idempotency_fingerprint", "overdose_incidents"."created_at", "overdose_incidents"."updated_at", "overdose_incidents"."retracted_at", "overdose_incidents"."retraction_reason", "overdose_incidents"."occurred_on", "overdose_incidents"."occurred_hour", "overdose_incidents"."place_type", "overdose_incidents"."outcome", "overdose_incidents"."substance_certainty", "overdose_incidents"."naloxone_given", "overdose_incidents"."naloxone_doses", "overdose_incidents"."naloxone_given_by", "overdose_incidents"."disposition", "overdose_incidents"."age_band", "overdose_incidents"."sex", "overdose_incidents"."intent", "overdose_incidents"."follow_up_offered", "overdose_incidents"."follow_up_within_hours", "overdose_incidents"."follow_up_accepted", "overdose_incidents"."follow_up_kind", "overdose_incidents"."source", "overdose_incidents"."notes" FROM "overdose_incidents" WHERE "overdose_incidents"."kommunenummer" IN (CAST('@KOMMUNE@' AS CHAR(4))) AND "overdose_incidents"."retracted_at" IS NULL AND "overdose_incidents"."kommunenummer" IN (CAST('@KOMMUNE@' AS CHAR(4))) ORDER BY "overdose_incidents"."occurred_on" DESC, "overdose_incidents"."id" DESC LIMIT 101;
SELECT t.* FROM unnest(CAST('@PAGE_IDS@' AS uuid[])) AS wanted(id) CROSS JOIN LATERAL (SELECT "incident_substances"."kommunenummer", "incident_substances"."incident_id", "incident_substances"."substance" FROM "incident_substances" WHERE "incident_substances"."kommunenummer" IN (CAST('@KOMMUNE@' AS CHAR(4))) AND "incident_substances"."incident_id" = wanted.id OFFSET 0) AS t ORDER BY t."substance";
SELECT CAST(SUM(value) AS BIGINT) AS "total" FROM "monthly_counts" WHERE "monthly_counts"."metric" = 'incidents' AND "monthly_counts"."kommunenummer" IN (CAST('@KOMMUNE@' AS CHAR(4)));
COMMIT;

-- The access-log entry, written through the ledger's one statement before the rows are
-- handed out (alone here; under load it shares this statement with other requests' entries).
SELECT reference, counts FROM settle_ledger('@KOMMUNE@', ARRAY[NULL]::bigint[], ARRAY[NULL]::bigint[], ARRAY['@KOMMUNE@'], ARRAY[gen_random_uuid()], ARRAY[now()], ARRAY['dev|dev-@KOMMUNE@-coordinator'], ARRAY['coordinator'], ARRAY[gen_random_uuid()::text], ARRAY['Q3'], ARRAY['list'], ARRAY['OverdoseIncident'], ARRAY[100]);
