-- Every title and related title gets a dimension row (a related title need not be a title itself).
-- Only new titles are inserted (the pipeline lock keeps other writers out), in code-point order so
-- the unique index on title grows at its right edge.
WITH inserted AS (
    INSERT INTO dim_job_title (title)
    SELECT seen.title
    FROM (SELECT title FROM file_titles UNION SELECT related FROM file_spellings WHERE related <> '') AS seen
    WHERE NOT EXISTS (SELECT FROM dim_job_title AS dim WHERE dim.title = seen.title)
    ORDER BY seen.title COLLATE "C"
    RETURNING 1
)
SELECT count(*) AS dim_titles_inserted FROM inserted;
