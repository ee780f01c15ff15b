-- Runs for each new file of every kind of the bundle (here one: :kind is shop_stock); a one-row result adds to
-- the pipeline's summary line.
SELECT count(*) AS shop_items_counted
FROM shop_stock
WHERE file_id = :file_id AND :kind = 'shop_stock'
