-- Mark the file as built, so the next run skips it.
INSERT INTO pipeline_files (file_id, kind, rows_in, rows_left_out)
SELECT :file_id, 'nem13', count(*), 0
FROM nem13
WHERE file_id = :file_id
RETURNING rows_in AS register_reads_in;
