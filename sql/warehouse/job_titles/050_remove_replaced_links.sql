-- A title in this file gets this file's related list: its earlier links go first.
WITH removed AS (
    DELETE FROM bridge_related_title AS bridge
    USING file_titles
    JOIN dim_job_title AS dim USING (title)
    WHERE bridge.title_key = dim.title_key
    RETURNING 1
)
SELECT count(*) AS related_links_removed FROM removed;
