-- NEM13 sends register read periods. Inside one file, the later 250 record of a stream, register
-- and period wins. A later file's period replaces the earlier periods of its stream and register
-- that it overlaps (an actual read replacing a forward estimate, or a corrected one), and the days
-- of both are recomputed.
DROP TABLE IF EXISTS file_register_reads;

CREATE TEMP TABLE file_register_reads AS
SELECT DISTINCT ON (dim.nmi_key, staged.nmi_suffix, staged.register_id, staged.previous_read_at, staged.current_read_at)
       dim.nmi_key,
       staged.nmi_suffix,
       staged.register_id,
       staged.previous_read_at AS read_from,
       staged.current_read_at AS read_to,
       staged.direction,
       staged.meter_serial,
       staged.previous_read,
       staged.current_read,
       staged.quantity,
       staged.uom,
       staged.quantity * CASE upper(staged.uom) WHEN 'KWH' THEN 1 WHEN 'WH' THEN 0.001 WHEN 'MWH' THEN 1000 END
           AS quantity_kwh,
       staged.current_quality_method AS quality_method
FROM nem13 AS staged
JOIN dim_nmi AS dim USING (nmi)
WHERE staged.file_id = :file_id
ORDER BY dim.nmi_key, staged.nmi_suffix, staged.register_id, staged.previous_read_at, staged.current_read_at,
         staged.line_no DESC;

DROP TABLE IF EXISTS replaced_register_reads;

CREATE TEMP TABLE replaced_register_reads (nmi_key bigint, read_from timestamp, read_to timestamp);

WITH removed AS (
    DELETE FROM fact_register_read AS fact
    USING file_register_reads AS new
    WHERE fact.nmi_key = new.nmi_key AND fact.nmi_suffix = new.nmi_suffix AND fact.register_id = new.register_id
      AND (
          (fact.read_from < new.read_to AND new.read_from < fact.read_to)
          OR (fact.read_from = new.read_from AND fact.read_to = new.read_to)
      )
    RETURNING fact.nmi_key, fact.read_from, fact.read_to
), kept AS (
    INSERT INTO replaced_register_reads SELECT nmi_key, read_from, read_to FROM removed RETURNING 1
)
SELECT count(*) AS register_reads_replaced FROM kept;

WITH inserted AS (
    INSERT INTO fact_register_read (
        nmi_key, nmi_suffix, register_id, read_from, read_to, direction, meter_serial, previous_read, current_read,
        quantity, uom, quantity_kwh, quality_method, file_id
    )
    SELECT nmi_key, nmi_suffix, register_id, read_from, read_to, direction, meter_serial, previous_read, current_read,
           quantity, uom, quantity_kwh, quality_method, :file_id
    FROM file_register_reads
    RETURNING 1
)
SELECT count(*) AS register_reads_written FROM inserted;

-- The days whose daily facts the meters/ steps recompute: every day a new or a replaced period covers
-- (a period ending at midnight does not cover the day that starts then).
DROP TABLE IF EXISTS file_days;

CREATE TEMP TABLE file_days AS
SELECT DISTINCT periods.nmi_key, covered.day::date AS day
FROM (
    SELECT nmi_key, read_from, read_to FROM file_register_reads
    UNION ALL
    SELECT nmi_key, read_from, read_to FROM replaced_register_reads
) AS periods
CROSS JOIN LATERAL generate_series(
    periods.read_from::date::timestamp,
    greatest(periods.read_from, periods.read_to - interval '1 microsecond')::date::timestamp,
    interval '1 day'
) AS covered (day);

ANALYZE file_days;
