-- Change capture for one leads snapshot: the full list of one partner (the file's kind names it; '' for the
-- generic leads kind), so only that partner's leads are compared, and only they can be removed. A column the
-- file did not have at all is unknown, not blank: the lead keeps its current value there. Values were
-- standardised by the loader, so two spellings of one phone number or state are already equal here; extra
-- never takes part.
DROP TABLE IF EXISTS file_present;

CREATE TEMP TABLE file_present AS
SELECT coalesce(column_map ->> 'partner', '') AS partner,
       'company' = ANY (names) AS company,
       'contact_name' = ANY (names) AS contact_name,
       'email' = ANY (names) AS email,
       'phone' = ANY (names) AS phone,
       'address' = ANY (names) AS address,
       'city' = ANY (names) AS city,
       'state' = ANY (names) AS state,
       'zip' = ANY (names) AS zip,
       'capacity' = ANY (names) AS capacity,
       'created_at' = ANY (names) AS created_at
FROM (
    SELECT column_map, ARRAY(SELECT jsonb_object_keys(coalesce(column_map -> 'columns', '{}'::jsonb))) AS names
    FROM file_loads
    WHERE id = :file_id
) AS columns_of_file;

DROP TABLE IF EXISTS file_lead_versions;

CREATE TEMP TABLE file_lead_versions AS
SELECT present.partner,
       snapshot.lead_id,
       current.lead_key AS current_key,
       CASE WHEN present.company THEN snapshot.company ELSE current.company END AS company,
       CASE WHEN present.contact_name THEN snapshot.contact_name ELSE current.contact_name END AS contact_name,
       CASE WHEN present.email THEN snapshot.email ELSE current.email END AS email,
       CASE WHEN present.phone THEN snapshot.phone ELSE current.phone END AS phone,
       CASE WHEN present.address THEN snapshot.address ELSE current.address END AS address,
       CASE WHEN present.city THEN snapshot.city ELSE current.city END AS city,
       CASE WHEN present.state THEN snapshot.state ELSE current.state END AS state,
       CASE WHEN present.zip THEN snapshot.zip ELSE current.zip END AS zip,
       CASE WHEN present.capacity THEN snapshot.capacity ELSE current.capacity END AS capacity,
       CASE WHEN present.created_at THEN snapshot.created_at ELSE current.created_at END AS created_at
FROM leads AS snapshot
CROSS JOIN file_present AS present
LEFT JOIN dim_lead AS current
    ON current.partner = present.partner AND current.lead_id = snapshot.lead_id AND current.is_current
WHERE snapshot.file_id = :file_id;

DROP TABLE IF EXISTS file_lead_changes;

CREATE TEMP TABLE file_lead_changes AS
SELECT version.*,
       CASE
           WHEN version.current_key IS NULL THEN 'new'
           WHEN (version.company, version.contact_name, version.email, version.phone, version.address,
                 version.city, version.state, version.zip, version.capacity, version.created_at)
                IS DISTINCT FROM
                (current.company, current.contact_name, current.email, current.phone, current.address,
                 current.city, current.state, current.zip, current.capacity, current.created_at)
               THEN 'changed'
           ELSE 'unchanged'
       END AS change
FROM file_lead_versions AS version
LEFT JOIN dim_lead AS current ON current.lead_key = version.current_key;

-- A full snapshot of its partner: every current lead of that partner it does not list is removed.
DROP TABLE IF EXISTS file_lead_removed;

CREATE TEMP TABLE file_lead_removed AS
SELECT current.lead_key, current.partner, current.lead_id
FROM dim_lead AS current
JOIN file_present AS present ON current.partner = present.partner
WHERE current.is_current
  AND NOT EXISTS (SELECT 1 FROM leads AS snapshot WHERE snapshot.file_id = :file_id AND snapshot.lead_id = current.lead_id);
