-- Every title and related title gets a dimension row (a related title need not be a title itself).
WITH inserted AS (
    INSERT INTO dim_job_title (title)
    SELECT title FROM file_titles
    UNION
    SELECT related FROM file_spellings WHERE related <> ''
    ORDER BY 1
    ON CONFLICT (title) DO NOTHING
    RETURNING 1
)
SELECT count(*) AS dim_titles_inserted FROM inserted;
