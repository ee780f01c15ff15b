-- The 10 related titles that appear in the most titles' lists; ties by related_title ascending.
-- Ties are broken by code-point order (COLLATE "C"), the same on every server whatever its locale.
CREATE OR REPLACE VIEW most_common_related_titles AS
SELECT dim.title AS related_title, count(*) AS title_count
FROM bridge_related_title AS bridge
JOIN dim_job_title AS dim ON dim.title_key = bridge.related_title_key
GROUP BY dim.title
ORDER BY title_count DESC, dim.title COLLATE "C" ASC
LIMIT 10;
