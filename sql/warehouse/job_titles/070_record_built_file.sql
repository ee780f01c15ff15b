-- Mark the file as built, so the next run skips it; rows left out are those with a blank title.
INSERT INTO pipeline_files (file_id, kind, rows_in, rows_left_out)
SELECT :file_id, 'job_titles', count(*), count(*) FILTER (WHERE title = '')
FROM file_rows;

SELECT rows_in, rows_left_out AS rows_left_out_blank_title FROM pipeline_files WHERE file_id = :file_id;
