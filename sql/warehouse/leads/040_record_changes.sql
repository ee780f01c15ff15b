-- What this snapshot did to each lead of its partner, for the lead_changes and new_leads views.
WITH recorded AS (
    INSERT INTO fact_lead_change (file_id, partner, lead_id, change)
    SELECT CAST(:file_id AS bigint), partner, lead_id, change FROM file_lead_changes
    UNION ALL
    SELECT CAST(:file_id AS bigint), partner, lead_id, 'removed' FROM file_lead_removed
    RETURNING change
)
SELECT count(*) FILTER (WHERE change = 'new') AS leads_new,
       count(*) FILTER (WHERE change = 'changed') AS leads_changed,
       count(*) FILTER (WHERE change = 'unchanged') AS leads_unchanged,
       count(*) FILTER (WHERE change = 'removed') AS leads_removed
FROM recorded;
