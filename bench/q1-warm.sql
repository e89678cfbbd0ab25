-- Q1 as the service issues it once its panel is kept (every request after the first): the
-- municipalities (the dashboard's rows) and the count versions the kept panel is checked
-- against. Captured with `scripts/bench --capture-sql` (target/bench/sql-Q1-warm.log).
SELECT "municipalities"."kommunenummer", "municipalities"."name", "municipalities"."valid_from", "municipalities"."valid_to", "municipalities"."synthetic" FROM "municipalities" ORDER BY "municipalities"."kommunenummer" ASC;
SELECT "count_versions"."kommunenummer", "count_versions"."version" FROM "count_versions";
