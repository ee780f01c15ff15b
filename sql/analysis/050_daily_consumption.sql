-- Daily consumption and generation per NMI, in kWh (from NEM12 files).
CREATE OR REPLACE VIEW daily_consumption AS
SELECT dim.nmi, daily.day, daily.consumption_kwh, daily.generation_kwh
FROM fact_daily_consumption AS daily
JOIN dim_nmi AS dim USING (nmi_key)
ORDER BY dim.nmi, daily.day;
