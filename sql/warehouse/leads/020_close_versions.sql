-- Changed and removed leads: their current version ends when this file was loaded.
WITH closed AS (
    UPDATE dim_lead AS version
    SET valid_to = loaded.finished_at, is_current = false, closed_by_file_id = :file_id
    FROM (SELECT finished_at FROM file_loads WHERE id = :file_id) AS loaded
    WHERE version.lead_key IN (
        SELECT current_key FROM file_lead_changes WHERE change = 'changed'
        UNION ALL
        SELECT lead_key FROM file_lead_removed
    )
    RETURNING 1
)
SELECT count(*) AS lead_versions_closed FROM closed;
