WITH inserted AS (
    INSERT INTO bridge_related_title (title_key, related_title_key, position, file_id)
    SELECT title_dim.title_key, related_dim.title_key, file_related.position, :file_id
    FROM file_related
    JOIN dim_job_title AS title_dim ON title_dim.title = file_related.title
    JOIN dim_job_title AS related_dim ON related_dim.title = file_related.related
    RETURNING 1
)
SELECT count(*) AS related_links_written FROM inserted;
