-- One row per distinct normalised title of the file being built.
-- pdl_count is the first non-null count in file order; blank titles are left out here
-- and counted by 060_record_built_file.sql.
DROP TABLE IF EXISTS file_titles;

CREATE TEMP TABLE file_titles AS
SELECT title,
       (array_agg(pdl_count ORDER BY line_no) FILTER (WHERE pdl_count IS NOT NULL))[1] AS pdl_count
FROM (
    SELECT normalize_title(title) AS title, pdl_count, line_no
    FROM job_titles
    WHERE file_id = :file_id
) AS normalised
WHERE title <> ''
GROUP BY title;

CREATE UNIQUE INDEX ON file_titles (title);
