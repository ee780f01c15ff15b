-- Daily consumption and generation per NMI, in kWh: from NEM12 interval data, and from NEM13 register
-- reads spread over the days of their periods (those days are marked is_allocated_from_register_reads).
CREATE OR REPLACE VIEW daily_consumption AS
SELECT dim.nmi, daily.day, daily.consumption_kwh, daily.generation_kwh, daily.is_allocated_from_register_reads
FROM fact_daily_consumption AS daily
JOIN dim_nmi AS dim USING (nmi_key)
ORDER BY dim.nmi, daily.day;
