-- U2: undo V2. The repeatable views (R__views.sql) read from orders, so they
-- go first; the next migrate run recreates them once V2 is applied again.

DROP VIEW IF EXISTS user_order_totals;
DROP TABLE IF EXISTS orders;
