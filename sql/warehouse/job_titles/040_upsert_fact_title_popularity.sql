-- Latest snapshot wins: a title in this file takes this file's count; other titles keep theirs.
WITH upserted AS (
    INSERT INTO fact_title_popularity AS fact (title_key, pdl_count, file_id, updated_at)
    SELECT dim.title_key, file_titles.pdl_count, :file_id, now()
    FROM file_titles
    JOIN dim_job_title AS dim USING (title)
    ON CONFLICT (title_key) DO UPDATE
        SET pdl_count = excluded.pdl_count, file_id = excluded.file_id, updated_at = excluded.updated_at
    RETURNING (xmax = 0) AS is_insert
)
SELECT count(*) FILTER (WHERE is_insert) AS titles_inserted,
       count(*) FILTER (WHERE NOT is_insert) AS titles_updated
FROM upserted;
