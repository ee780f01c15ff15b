-- The 10 titles with the highest pdl_count (titles without a count are left out); ties by job_title.
-- Ties are broken by code-point order (COLLATE "C"), the same on every server whatever its locale.
CREATE OR REPLACE VIEW title_pdl_count AS
SELECT dim.title AS job_title, fact.pdl_count
FROM fact_title_popularity AS fact
JOIN dim_job_title AS dim USING (title_key)
WHERE fact.pdl_count IS NOT NULL
ORDER BY fact.pdl_count DESC, dim.title COLLATE "C" ASC
LIMIT 10;
