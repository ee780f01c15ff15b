-- The leads first seen in the most recently loaded leads file: this week's outreach list.
CREATE OR REPLACE VIEW new_leads AS
SELECT lead.lead_id, lead.company, lead.contact_name, lead.email, lead.phone, lead.city, lead.state, lead.zip
FROM fact_lead_change AS changes
JOIN dim_lead AS lead ON lead.lead_id = changes.lead_id AND lead.opened_by_file_id = changes.file_id
WHERE changes.change = 'new'
  AND changes.file_id = (SELECT max(file_id) FROM fact_lead_change)
ORDER BY lead.lead_id COLLATE "C";
