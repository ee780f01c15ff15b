-- Mark the file as built, so the next run skips it.
INSERT INTO pipeline_files (file_id, kind, rows_in, rows_left_out)
SELECT :file_id, 'leads', count(*), 0
FROM leads
WHERE file_id = :file_id
RETURNING rows_in AS leads_in;
