-- Latest snapshot wins: a title in this file takes this file's count; other titles keep theirs.
-- An update of the titles already there and an insert of the rest: both see the table as it was
-- before the statement, and skip the per-row conflict check of INSERT ... ON CONFLICT. A title new
-- to the dimension cannot have a count yet, so only the others are looked up.
SELECT has_count AS titles_updated, titles - has_count AS titles_inserted
FROM (
    SELECT count(*) AS titles, count(fact.title_key) AS has_count
    FROM file_titles
    LEFT JOIN fact_title_popularity AS fact ON NOT file_titles.is_new AND fact.title_key = file_titles.title_key
) AS counts;

UPDATE fact_title_popularity AS fact
SET pdl_count = file_titles.pdl_count, file_id = :file_id, updated_at = now()
FROM file_titles
WHERE NOT file_titles.is_new AND fact.title_key = file_titles.title_key;

INSERT INTO fact_title_popularity (title_key, pdl_count, file_id, updated_at)
SELECT title_key, pdl_count, :file_id, now()
FROM file_titles
WHERE is_new OR NOT EXISTS (SELECT FROM fact_title_popularity AS fact WHERE fact.title_key = file_titles.title_key);
