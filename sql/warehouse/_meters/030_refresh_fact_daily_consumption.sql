-- Recompute the days the file touched (file_days, from the kind's own steps) from both kinds of
-- meter data, in kWh. Interval data (NEM12): consumption sums the import streams (suffix E…),
-- generation the export streams (B…); reactive streams (Q…, K…, kVArh) never count; a day is the
-- interval date of its 300 record. Register reads (NEM13): each period's energy is spread over the
-- days it covers in proportion to the time that falls on each; direction E is consumption and I
-- generation, as a positive number (files sign exported energy negative), each day's share rounded
-- to 0.000001 kWh. Days with any such share are marked, so nobody takes them for interval data.
DELETE FROM fact_daily_consumption AS daily
USING file_days
WHERE daily.nmi_key = file_days.nmi_key AND daily.day = file_days.day;

WITH interval_days AS (
    SELECT fact.nmi_key,
           fact.day,
           coalesce(sum(fact.consumption_kwh) FILTER (WHERE fact.nmi_suffix LIKE 'E%'), 0) AS consumption_kwh,
           coalesce(sum(fact.consumption_kwh) FILTER (WHERE fact.nmi_suffix LIKE 'B%'), 0) AS generation_kwh,
           count(DISTINCT fact.reading_at) FILTER (WHERE fact.nmi_suffix LIKE 'E%') AS interval_count,
           count(DISTINCT fact.reading_at) FILTER (
               WHERE fact.nmi_suffix LIKE 'E%' AND left(fact.quality_method, 1) IN ('E', 'S', 'F')
           ) AS estimated_intervals,
           false AS is_allocated
    FROM fact_meter_reading AS fact
    JOIN file_days USING (nmi_key, day)
    GROUP BY fact.nmi_key, fact.day
), register_days AS (
    SELECT reads.nmi_key,
           file_days.day,
           trim_scale(round(coalesce(sum(share.kwh) FILTER (WHERE reads.direction = 'E'), 0), 6)),
           trim_scale(round(coalesce(sum(abs(share.kwh)) FILTER (WHERE reads.direction = 'I'), 0), 6)),
           0,
           0,
           true
    FROM file_days
    JOIN fact_register_read AS reads
        ON reads.nmi_key = file_days.nmi_key
        AND reads.read_from < file_days.day + 1
        AND (reads.read_to > file_days.day OR (reads.read_to = reads.read_from AND reads.read_from >= file_days.day))
    CROSS JOIN LATERAL (
        SELECT reads.quantity_kwh * CASE
            WHEN reads.read_to = reads.read_from THEN 1
            ELSE extract(epoch FROM least(reads.read_to, file_days.day + 1) - greatest(reads.read_from, file_days.day))
                / extract(epoch FROM reads.read_to - reads.read_from)
        END AS kwh
    ) AS share
    WHERE reads.quantity_kwh IS NOT NULL
    GROUP BY reads.nmi_key, file_days.day
), inserted AS (
    INSERT INTO fact_daily_consumption (
        nmi_key, day, consumption_kwh, generation_kwh, interval_count, substituted_or_estimated_intervals,
        is_allocated_from_register_reads
    )
    SELECT nmi_key, day, sum(consumption_kwh), sum(generation_kwh), sum(interval_count), sum(estimated_intervals),
           bool_or(is_allocated)
    FROM (SELECT * FROM interval_days UNION ALL SELECT * FROM register_days) AS parts
    GROUP BY nmi_key, day
    RETURNING 1
)
SELECT count(*) AS daily_rows_written FROM inserted;
