-- A title in this file gets this file's related list: its earlier links go first. The keys go in
-- as one array so that Postgres probes the primary key for each, instead of scanning the bridge.
WITH removed AS (
    DELETE FROM bridge_related_title
    WHERE title_key = ANY (ARRAY(SELECT dim.title_key FROM file_titles JOIN dim_job_title AS dim USING (title)))
    RETURNING 1
)
SELECT count(*) AS related_links_removed FROM removed;
