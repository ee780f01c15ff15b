-- A title's related titles: the union over all its rows in the file, without blanks, repeats or
-- the title itself, numbered in order of first appearance (line, then column). Keys, not text,
-- are grouped: much cheaper when a file has millions of related cells.
DROP TABLE IF EXISTS file_line_keys;

CREATE TEMP TABLE file_line_keys AS
SELECT file_lines.line_no, dim.title_key
FROM file_lines
JOIN dim_job_title AS dim USING (title);

DROP TABLE IF EXISTS file_spelling_keys;

CREATE TEMP TABLE file_spelling_keys AS
SELECT file_spellings.raw, dim.title_key AS related_title_key
FROM file_spellings
JOIN dim_job_title AS dim ON dim.title = file_spellings.related;

ANALYZE file_line_keys;

ANALYZE file_spelling_keys;

-- One sort by (title, related title, first appearance) keeps each pair's first appearance; the
-- numbering then only reorders each title's few pairs (an incremental sort on the title prefix).
WITH inserted AS (
    INSERT INTO bridge_related_title (title_key, related_title_key, position, file_id)
    SELECT title_key,
           related_title_key,
           row_number() OVER (PARTITION BY title_key ORDER BY first_seen),
           :file_id
    FROM (
        SELECT DISTINCT ON (lines.title_key, spellings.related_title_key)
               lines.title_key,
               spellings.related_title_key,
               (rows.line_no::bigint << 32) | cells.pos AS first_seen
        FROM job_titles AS rows
        JOIN file_line_keys AS lines USING (line_no)
        CROSS JOIN LATERAL unnest(rows.related_titles) WITH ORDINALITY AS cells (raw, pos)
        JOIN file_spelling_keys AS spellings ON spellings.raw = cells.raw
        WHERE rows.file_id = :file_id AND spellings.related_title_key <> lines.title_key
        ORDER BY lines.title_key, spellings.related_title_key, first_seen
    ) AS pairs
    RETURNING 1
)
SELECT count(*) AS related_links_written FROM inserted;
