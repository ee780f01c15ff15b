-- The file's staged rows, read from staging once (every later step reads this table), titles normalised.
-- The read goes through the BRIN index on file_id, so it costs the size of the file, not of staging:
-- the sampled statistics below tell the planner that file_id follows the heap order (a small sample
-- is enough: the column's statistics target is 1), and once read, every block range up to the end of
-- the table is summarised, so the next file's read skips the ranges of this one and of all before it.
ANALYZE job_titles (file_id);

DROP TABLE IF EXISTS file_rows;

CREATE TEMP TABLE file_rows ON COMMIT DROP AS
SELECT line_no, normalize_title(title) AS title, pdl_count, related_titles
FROM job_titles
WHERE file_id = :file_id;

-- A temporary table has no statistics until analysed, and the joins below are planned on them.
ANALYZE file_rows;

SELECT brin_summarize_new_values('ix_job_titles_file_id') AS staging_ranges_summarised;
