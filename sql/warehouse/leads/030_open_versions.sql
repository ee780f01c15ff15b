-- New and changed leads: a new current version, valid from when this file was loaded.
WITH opened AS (
    INSERT INTO dim_lead (
        partner, lead_id, company, contact_name, email, phone, address, city, state, zip, capacity, created_at,
        valid_from, is_current, opened_by_file_id
    )
    SELECT changes.partner, changes.lead_id, changes.company, changes.contact_name, changes.email, changes.phone,
           changes.address, changes.city, changes.state, changes.zip, changes.capacity, changes.created_at,
           loaded.finished_at, true, :file_id
    FROM file_lead_changes AS changes
    CROSS JOIN (SELECT finished_at FROM file_loads WHERE id = :file_id) AS loaded
    WHERE changes.change IN ('new', 'changed')
    ORDER BY changes.lead_id
    RETURNING 1
)
SELECT count(*) AS lead_versions_opened FROM opened;
