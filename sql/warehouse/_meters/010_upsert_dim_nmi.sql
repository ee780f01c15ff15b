-- Every NMI of the file (NEM12 or NEM13) gets a dimension row; its suffixes are every data stream seen so far.
WITH file_streams AS (
    SELECT nmi, array_agg(DISTINCT nmi_suffix ORDER BY nmi_suffix) AS suffixes
    FROM (
        SELECT nmi, nmi_suffix FROM nem12 WHERE file_id = :file_id
        UNION ALL
        SELECT nmi, nmi_suffix FROM nem13 WHERE file_id = :file_id
    ) AS streams
    GROUP BY nmi
), upserted AS (
    INSERT INTO dim_nmi AS dim (nmi, suffixes)
    SELECT nmi, suffixes FROM file_streams ORDER BY nmi
    ON CONFLICT (nmi) DO UPDATE
        SET suffixes = ARRAY(SELECT DISTINCT suffix FROM unnest(dim.suffixes || excluded.suffixes) AS suffix ORDER BY 1)
    RETURNING (xmax = 0) AS is_insert
)
SELECT count(*) FILTER (WHERE is_insert) AS nmis_inserted FROM upserted;
