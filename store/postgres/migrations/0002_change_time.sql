-- When each change was committed (Unix microseconds, the writer's clock;
-- 0 for changes written before this column existed): replicas measure
-- their change-feed lag by it.
ALTER TABLE changes ADD COLUMN at_us BIGINT NOT NULL DEFAULT 0;
