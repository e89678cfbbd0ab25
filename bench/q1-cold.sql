-- Q1 as the service issues it when no kept answer or panel matches (the first request, or
-- after a write): the data versions, the rows, the count versions of the panel, every
-- municipality's monthly counts over the ten years of the metric and of the panels published
-- with it (the incidents, whose totals it shares, and the follow-up panel, which splits its
-- non-fatal column), in one statement, and the populations.
-- Captured with `scripts/bench --capture-sql` (target/bench/sql-Q1-cold.log).
SELECT "municipalities"."kommunenummer", "municipalities"."name", "municipalities"."valid_from", "municipalities"."valid_to", "municipalities"."synthetic" FROM "municipalities" ORDER BY "municipalities"."kommunenummer" ASC;
SELECT (SELECT version FROM reference_version WHERE id = 1) AS reference, (SELECT CAST(SUM(version) AS BIGINT) FROM count_versions) AS counts;
SELECT CAST(SUM(count_versions.version) AS BIGINT) AS "sum" FROM "count_versions" LIMIT 1;
SELECT "monthly_counts"."metric", "monthly_counts"."kommunenummer", "monthly_counts"."month", "monthly_counts"."category", "monthly_counts"."value" FROM "monthly_counts" WHERE "monthly_counts"."metric" IN ('incidents_by_outcome', 'incidents', 'non_fatal_by_follow_up_offered') AND ("monthly_counts"."month" BETWEEN '2016-01-01' AND '2025-12-31');
SELECT "municipality_populations"."kommunenummer", "municipality_populations"."year", "municipality_populations"."population", "municipality_populations"."estimated" FROM "municipality_populations" ORDER BY "municipality_populations"."kommunenummer" ASC, "municipality_populations"."year" ASC;
