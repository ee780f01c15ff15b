-- Each meterpoint's readings of a day, under the product of its agreement active that day. Should two agreements
-- of one meterpoint overlap on a day, the one that started last counts, so no reading is counted twice; readings
-- of a day on which the meterpoint has no agreement have no product and are left out.
WITH meterpoint_days AS (
    SELECT meterpoint_id,
           CAST(interval_start AS date) AS day,
           sum(consumption_kwh) AS consumption_kwh
    FROM current_smart_meter_readings
    GROUP BY meterpoint_id, CAST(interval_start AS date)
)
SELECT days.day,
       agreement.product_id,
       products.display_name,
       count(*) AS meterpoints,
       sum(days.consumption_kwh) AS consumption_kwh
FROM meterpoint_days AS days
CROSS JOIN LATERAL (
    SELECT agreements.product_id
    FROM current_smart_meter_agreements AS agreements
    WHERE agreements.meterpoint_id = days.meterpoint_id
      AND agreements.valid_from <= days.day
      AND (agreements.valid_to IS NULL OR days.day < agreements.valid_to)
    ORDER BY agreements.valid_from DESC, agreements.agreement_id DESC
    LIMIT 1
) AS agreement
LEFT JOIN current_smart_meter_products AS products ON products.product_id = agreement.product_id
GROUP BY days.day, agreement.product_id, products.display_name
ORDER BY days.day, agreement.product_id
