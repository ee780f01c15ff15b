-- The file's rows with their normalised titles, and one row per distinct non-blank title whose
-- pdl_count is the first non-null count in file order (null when every row's count is blank).
-- Sorting by code point (COLLATE "C") groups equal titles as well as any collation, and much faster.
DROP TABLE IF EXISTS file_lines;

CREATE TEMP TABLE file_lines AS
SELECT line_no, normalize_title(title) AS title, pdl_count
FROM job_titles
WHERE file_id = :file_id;

DROP TABLE IF EXISTS file_titles;

CREATE TEMP TABLE file_titles AS
SELECT DISTINCT ON (title COLLATE "C") title, pdl_count
FROM file_lines
WHERE title <> ''
ORDER BY title COLLATE "C", pdl_count IS NULL, line_no;

-- Temporary tables have no statistics until analysed, and the joins below need them.
ANALYZE file_lines;

ANALYZE file_titles;
