-- The file's related titles per title: the union over all rows of that title, normalised,
-- without blanks, duplicates or the title itself, in order of first appearance (line, column).
DROP TABLE IF EXISTS file_related;

CREATE TEMP TABLE file_related AS
SELECT title,
       related,
       row_number() OVER (PARTITION BY title ORDER BY first_seen) AS position
FROM (
    SELECT normalize_title(j.title) AS title,
           normalize_title(r.related) AS related,
           min(ARRAY[j.line_no::bigint, r.pos]) AS first_seen
    FROM job_titles AS j
    CROSS JOIN LATERAL unnest(j.related_titles) WITH ORDINALITY AS r (related, pos)
    WHERE j.file_id = :file_id
    GROUP BY 1, 2
) AS pairs
WHERE title <> '' AND related <> '' AND related <> title;
