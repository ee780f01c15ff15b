-- One row over the titles with the whole word "manager" ("sr. manager ii", "manager, sales";
-- not "management" or "managers"); titles without a count are left out.
CREATE OR REPLACE VIEW manager_titles AS
SELECT count(*) AS manager_title_count,
       round(avg(fact.pdl_count), 2) AS avg_pdl_count,
       sum(fact.pdl_count) AS total_pdl_count
FROM fact_title_popularity AS fact
JOIN dim_job_title AS dim USING (title_key)
WHERE fact.pdl_count IS NOT NULL
  AND dim.title ~ '\mmanager\M';
