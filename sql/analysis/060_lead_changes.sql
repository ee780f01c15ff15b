-- One row per leads file (each partner's files too), in load order: what its snapshot did to its partner's leads.
CREATE OR REPLACE VIEW lead_changes AS
SELECT loads.file_name,
       count(*) FILTER (WHERE changes.change = 'new') AS new_leads,
       count(*) FILTER (WHERE changes.change = 'changed') AS changed_leads,
       count(*) FILTER (WHERE changes.change = 'unchanged') AS unchanged_leads,
       count(*) FILTER (WHERE changes.change = 'removed') AS removed_leads
FROM fact_lead_change AS changes
JOIN file_loads AS loads ON loads.id = changes.file_id
GROUP BY loads.id, loads.file_name
ORDER BY loads.id;
