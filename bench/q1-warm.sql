-- Q1 as the service issues it once its panel is kept (every request after the first): the
-- reference data's version (the municipalities, the dashboard's rows, are kept in memory while
-- it is unchanged) and the sum of the count versions the kept panel is checked against.
-- Captured from PostgreSQL's statement log of one warm request (scripts/bench --capture-sql).
SELECT version FROM reference_version WHERE id = 1;
SELECT CAST(SUM(count_versions.version) AS BIGINT) AS "sum" FROM "count_versions";
