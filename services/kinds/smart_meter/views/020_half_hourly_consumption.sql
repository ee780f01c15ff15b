-- Consumption of all meterpoints per half-hour (interval start as written in the files), in kWh.
SELECT interval_start,
       count(*) AS meterpoints,
       sum(consumption_kwh) AS consumption_kwh
FROM current_smart_meter_readings
GROUP BY interval_start
ORDER BY interval_start
