-- Q1 as the service issues it when no kept panel matches (the first request, or after a
-- write): the rows, the count versions, every municipality's monthly counts of the metric over
-- the ten years, and the populations. Captured with `scripts/bench --capture-sql`
-- (target/bench/sql-Q1-cold.log).
SELECT "municipalities"."kommunenummer", "municipalities"."name", "municipalities"."valid_from", "municipalities"."valid_to", "municipalities"."synthetic" FROM "municipalities" ORDER BY "municipalities"."kommunenummer" ASC;
SELECT "count_versions"."kommunenummer", "count_versions"."version" FROM "count_versions";
SELECT "monthly_counts"."kommunenummer", "monthly_counts"."month", "monthly_counts"."category", "monthly_counts"."value" FROM "monthly_counts" WHERE "monthly_counts"."metric" = 'incidents_by_outcome' AND ("monthly_counts"."month" BETWEEN '2016-01-01' AND '2025-12-31');
SELECT "municipality_populations"."kommunenummer", "municipality_populations"."year", "municipality_populations"."population", "municipality_populations"."estimated" FROM "municipality_populations" ORDER BY "municipality_populations"."kommunenummer" ASC, "municipality_populations"."year" ASC;
