-- A title's related titles: the union over all its rows in the file, without blanks, repeats or the
-- title itself, in order of first appearance (line, then column); a title of this file without any
-- gets an empty list. Keys, not text, are grouped: much cheaper when a file has millions of cells.
-- Each line's cells come from unnest in the select list (with generate_subscripts for the column);
-- one sort by (title, related title, first appearance) keeps each pair's first appearance, and each
-- title's pairs are then put in that order.
DROP TABLE IF EXISTS file_related_titles;

CREATE TEMP TABLE file_related_titles ON COMMIT DROP AS
SELECT file_titles.title_key, file_titles.is_new, coalesce(lists.related_title_keys, '{}') AS related_title_keys
FROM file_titles
LEFT JOIN (
    SELECT title_key, array_agg(related_title_key ORDER BY first_seen) AS related_title_keys
    FROM (
        SELECT DISTINCT ON (cells.title_key, spellings.title_key)
               cells.title_key,
               spellings.title_key AS related_title_key,
               (cells.line_no::bigint << 32) | cells.position AS first_seen
        FROM (
            SELECT file_rows.line_no,
                   file_titles.title_key,
                   unnest(file_rows.related_titles) AS raw,
                   generate_subscripts(file_rows.related_titles, 1) AS position
            FROM file_rows
            JOIN file_titles USING (title)
        ) AS cells
        JOIN file_spelling_keys AS spellings USING (raw)
        WHERE spellings.title_key <> cells.title_key
        ORDER BY cells.title_key, spellings.title_key, first_seen
    ) AS pairs
    GROUP BY title_key
) AS lists USING (title_key);

UPDATE fact_related_titles AS fact
SET related_title_keys = file_related_titles.related_title_keys, file_id = :file_id
FROM file_related_titles
WHERE NOT file_related_titles.is_new AND fact.title_key = file_related_titles.title_key;

INSERT INTO fact_related_titles (title_key, related_title_keys, file_id)
SELECT title_key, related_title_keys, :file_id
FROM file_related_titles
WHERE is_new
   OR NOT EXISTS (SELECT FROM fact_related_titles AS fact WHERE fact.title_key = file_related_titles.title_key);

SELECT coalesce(sum(cardinality(related_title_keys)), 0) AS related_links_written FROM file_related_titles;
