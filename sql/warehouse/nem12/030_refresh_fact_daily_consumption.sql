-- Recompute the days this file touched. Consumption sums the import streams (suffix E…) and
-- generation the export streams (B…), in kWh; reactive streams (Q…, K…, kVArh) never count.
-- A day is the interval date of its 300 record.
DROP TABLE IF EXISTS file_days;

CREATE TEMP TABLE file_days AS
SELECT DISTINCT nmi_key, day FROM file_stream_days;

ANALYZE file_days;

DELETE FROM fact_daily_consumption AS daily
USING file_days
WHERE daily.nmi_key = file_days.nmi_key AND daily.day = file_days.day;

WITH inserted AS (
    INSERT INTO fact_daily_consumption (
        nmi_key, day, consumption_kwh, generation_kwh, interval_count, substituted_or_estimated_intervals
    )
    SELECT fact.nmi_key,
           fact.day,
           coalesce(sum(fact.consumption_kwh) FILTER (WHERE fact.nmi_suffix LIKE 'E%'), 0),
           coalesce(sum(fact.consumption_kwh) FILTER (WHERE fact.nmi_suffix LIKE 'B%'), 0),
           count(DISTINCT fact.reading_at) FILTER (WHERE fact.nmi_suffix LIKE 'E%'),
           count(DISTINCT fact.reading_at) FILTER (
               WHERE fact.nmi_suffix LIKE 'E%' AND left(fact.quality_method, 1) IN ('E', 'S', 'F')
           )
    FROM fact_meter_reading AS fact
    JOIN file_days USING (nmi_key, day)
    GROUP BY fact.nmi_key, fact.day
    RETURNING 1
)
SELECT count(*) AS daily_rows_written FROM inserted;
