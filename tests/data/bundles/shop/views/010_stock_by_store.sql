SELECT store, sku, units, price, counted_at
FROM current_shop_stock
ORDER BY store, sku
