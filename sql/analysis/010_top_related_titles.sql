-- The 10 titles with the most related titles; ties by job_title ascending.
-- Ties are broken by code-point order (COLLATE "C"), the same on every server whatever its locale.
-- A title's related titles are one array (fact_related_titles), so counting them is its length.
CREATE OR REPLACE VIEW top_related_titles AS
SELECT dim.title AS job_title,
       coalesce(cardinality(related.related_title_keys), 0)::bigint AS related_title_count
FROM fact_title_popularity AS fact
JOIN dim_job_title AS dim USING (title_key)
LEFT JOIN fact_related_titles AS related USING (title_key)
ORDER BY related_title_count DESC, dim.title COLLATE "C" ASC
LIMIT 10;
