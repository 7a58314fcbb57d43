-- Repeatable: re-applied whenever this file changes, after the versioned
-- migrations.

CREATE OR REPLACE VIEW user_order_totals AS
SELECT
    u.id                              AS user_id,
    u.email,
    count(o.id)                       AS order_count,
    coalesce(sum(o.total_cents) FILTER (WHERE o.status <> 'cancelled'), 0)
                                      AS total_cents,
    max(o.created_at)                 AS last_order_at
FROM users AS u
LEFT JOIN orders AS o ON o.user_id = u.id
GROUP BY u.id, u.email;
