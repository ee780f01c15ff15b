-- One row per distinct non-blank title, with its key: the dimension's, or a new one from the key
-- sequence (inserted by the next step). Its pdl_count is the first non-null count in file order (null
-- when every row's count is blank). Sorting by code point (COLLATE "C") groups equal titles as well as
-- any collation, and much faster; new keys follow that order, so both indexes of the dimension grow at
-- their right edge.
DROP TABLE IF EXISTS file_titles;

CREATE TEMP TABLE file_titles ON COMMIT DROP AS
SELECT coalesce(dim.title_key, nextval((SELECT pg_get_serial_sequence('dim_job_title', 'title_key'))::regclass)) AS title_key,
       dim.title_key IS NULL AS is_new,
       titles.title,
       titles.pdl_count
FROM (
    SELECT DISTINCT ON (title COLLATE "C") title, pdl_count
    FROM file_rows
    WHERE title <> ''
    ORDER BY title COLLATE "C", pdl_count IS NULL, line_no
) AS titles
LEFT JOIN dim_job_title AS dim USING (title);

ANALYZE file_titles;
