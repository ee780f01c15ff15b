-- The leads first seen in each partner's most recently loaded leads file: this week's outreach list.
-- A partner's latest file lists only its own leads, so an older file of another partner still counts.
CREATE OR REPLACE VIEW new_leads AS
SELECT lead.lead_id, lead.company, lead.contact_name, lead.email, lead.phone, lead.city, lead.state, lead.zip,
       nullif(lead.partner, '') AS partner
FROM fact_lead_change AS changes
JOIN dim_lead AS lead
    ON lead.partner = changes.partner AND lead.lead_id = changes.lead_id AND lead.opened_by_file_id = changes.file_id
WHERE changes.change = 'new'
  AND changes.file_id = (
      SELECT max(latest.file_id) FROM fact_lead_change AS latest WHERE latest.partner = changes.partner
  )
ORDER BY lead.partner COLLATE "C", lead.lead_id COLLATE "C";
