-- Every title and related title gets a dimension row (a related title need not be a title itself):
-- the file's new titles with the keys they were given, then the new related names. The pipeline lock
-- keeps other writers out.
INSERT INTO dim_job_title (title_key, title)
SELECT title_key, title
FROM file_titles
WHERE is_new;

INSERT INTO dim_job_title (title)
SELECT DISTINCT related
FROM file_spellings
WHERE related <> '' AND NOT EXISTS (SELECT FROM dim_job_title AS dim WHERE dim.title = file_spellings.related);

DROP TABLE IF EXISTS file_spelling_keys;

CREATE TEMP TABLE file_spelling_keys ON COMMIT DROP AS
SELECT file_spellings.raw, dim.title_key
FROM file_spellings
JOIN dim_job_title AS dim ON dim.title = file_spellings.related;
