-- For each day that has readings, every agreement valid that day: valid_from <= day < valid_to, open-ended while
-- valid_to is empty. The current_* tables hold each key's latest row (replace_by_key), so resends count once.
WITH reading_days AS (
    SELECT DISTINCT CAST(interval_start AS date) AS day
    FROM current_smart_meter_readings
)
SELECT days.day,
       agreements.agreement_id,
       agreements.meterpoint_id,
       agreements.product_id,
       products.display_name,
       meterpoints.region
FROM reading_days AS days
JOIN current_smart_meter_agreements AS agreements
    ON agreements.valid_from <= days.day
    AND (agreements.valid_to IS NULL OR days.day < agreements.valid_to)
LEFT JOIN current_smart_meter_products AS products ON products.product_id = agreements.product_id
LEFT JOIN current_smart_meter_meterpoints AS meterpoints ON meterpoints.meterpoint_id = agreements.meterpoint_id
ORDER BY days.day, agreements.agreement_id
