-- The 10 related titles that appear in the most titles' lists; ties by related_title ascending.
-- Ties are broken by code-point order (COLLATE "C"), the same on every server whatever its locale.
-- Counted by key first (a title is in a list at most once), so only the counted keys meet the dimension.
CREATE OR REPLACE VIEW most_common_related_titles AS
WITH mentions AS (
    SELECT link.related_title_key, count(*) AS title_count
    FROM fact_related_titles AS related
    CROSS JOIN LATERAL unnest(related.related_title_keys) AS link (related_title_key)
    GROUP BY link.related_title_key
)
SELECT dim.title AS related_title, mentions.title_count
FROM mentions
JOIN dim_job_title AS dim ON dim.title_key = mentions.related_title_key
ORDER BY mentions.title_count DESC, dim.title COLLATE "C" ASC
LIMIT 10;
