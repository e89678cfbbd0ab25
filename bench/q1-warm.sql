-- Q1 as the service issues it once its answer is kept (every request after the first): one
-- read of the versions the kept answer is checked against, the reference data's version and
-- the sum of the count versions. Captured from PostgreSQL's statement log of one warm request
-- (scripts/bench --capture-sql). On PostgreSQL the service now takes the versions as notified
-- and issues this read once after each notification and once a second, not per request (or
-- per batch of requests, as it still does with MOTGIFT_VERSION_NOTIFICATIONS=off); it is
-- still the cheapest statement Q1 could be confirmed with, so the ratio is kept against it.
SELECT (SELECT version FROM reference_version WHERE id = 1) AS reference, (SELECT CAST(SUM(version) AS BIGINT) FROM count_versions) AS counts;
