-- NEM12 resends corrected data: a stream's day in a later file replaces that day from earlier
-- files (all its intervals, even if the interval length changed). Inside one file, the later
-- 300 record of a stream and day wins, whole. reading_at is the end of the interval.
DROP TABLE IF EXISTS file_readings;

CREATE TEMP TABLE file_readings AS
SELECT dim.nmi_key,
       staged.nmi_suffix,
       staged.interval_start + make_interval(mins => staged.interval_length) AS reading_at,
       staged.day,
       staged.interval_length,
       staged.value,
       staged.uom,
       staged.value * CASE upper(staged.uom) WHEN 'KWH' THEN 1 WHEN 'WH' THEN 0.001 WHEN 'MWH' THEN 1000 END
           AS consumption_kwh,
       staged.quality_method,
       staged.reason_code
FROM (
    SELECT nem12.*,
           nem12.interval_start::date AS day,
           max(nem12.line_no) OVER (PARTITION BY nem12.nmi, nem12.nmi_suffix, nem12.interval_start::date) AS latest_line
    FROM nem12
    WHERE nem12.file_id = :file_id
) AS staged
JOIN dim_nmi AS dim USING (nmi)
WHERE staged.line_no = staged.latest_line;

DROP TABLE IF EXISTS file_stream_days;

CREATE TEMP TABLE file_stream_days AS
SELECT DISTINCT nmi_key, nmi_suffix, day FROM file_readings;

ANALYZE file_readings;

ANALYZE file_stream_days;

WITH removed AS (
    DELETE FROM fact_meter_reading AS fact
    USING file_stream_days AS days
    WHERE fact.nmi_key = days.nmi_key AND fact.day = days.day AND fact.nmi_suffix = days.nmi_suffix
    RETURNING 1
)
SELECT count(*) AS readings_replaced FROM removed;

WITH inserted AS (
    INSERT INTO fact_meter_reading (
        nmi_key, nmi_suffix, reading_at, day, interval_length, value, uom, consumption_kwh,
        quality_method, reason_code, file_id
    )
    SELECT nmi_key, nmi_suffix, reading_at, day, interval_length, value, uom, consumption_kwh,
           quality_method, reason_code, :file_id
    FROM file_readings
    RETURNING 1
)
SELECT count(*) AS readings_written FROM inserted;

-- The days whose daily facts the meters/ steps recompute.
DROP TABLE IF EXISTS file_days;

CREATE TEMP TABLE file_days AS
SELECT DISTINCT nmi_key, day FROM file_stream_days;

ANALYZE file_days;
