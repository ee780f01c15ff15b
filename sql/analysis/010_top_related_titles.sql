-- The 10 titles with the most related titles; ties by job_title ascending.
-- Ties are broken by code-point order (COLLATE "C"), the same on every server whatever its locale.
CREATE OR REPLACE VIEW top_related_titles AS
SELECT dim.title AS job_title, count(bridge.related_title_key) AS related_title_count
FROM fact_title_popularity AS fact
JOIN dim_job_title AS dim USING (title_key)
LEFT JOIN bridge_related_title AS bridge USING (title_key)
GROUP BY dim.title
ORDER BY related_title_count DESC, dim.title COLLATE "C" ASC
LIMIT 10;
