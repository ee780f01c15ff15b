-- Each distinct way the file writes a related title, normalised once (files repeat them a lot).
DROP TABLE IF EXISTS file_spellings;

CREATE TEMP TABLE file_spellings ON COMMIT DROP AS
SELECT raw, normalize_title(raw) AS related
FROM (SELECT DISTINCT unnest(related_titles) AS raw FROM file_rows) AS spellings;
