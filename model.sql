-- The task table: the Go original's columns, so a table a Go service already uses works as it is.
-- Differences from the original's model.sql, all compatible with a table it created (the Go
-- original names its columns on every insert and update, and never reads what it does not know):
--   * AUTO_INCREMENT starts at 10001, so no user task takes id 10000 (the abnormal-check row);
--   * idx_task_status (task_status) is replaced by idx_task_status_id (task_status, id), which the
--     claim query (SELECT ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED) needs on a table
--     without run_at;
--   * delayed tasks and persisted retries (Docs/features.md): run_at, the earliest time a row
--     runs (its default makes every row the Go original inserts due at once), and
--     idx_task_status_run_at_id, which makes the claim of due rows
--     (WHERE task_status = 'initialized' AND run_at <= now ... ORDER BY run_at, id) one range scan;
--   * unique tasks (Docs/features.md): unique_key (NULL: not unique) and the stored generated
--     column unique_active (the key while the row is initialized or running, NULL otherwise),
--     whose unique index refuses a second waiting or running task with the same key.
-- On a table made by the original's schema, `gta migrate --table tasks` (or
-- TaskTable.migrate(named:on:)) adds them; by hand:
--   ALTER TABLE tasks ADD INDEX idx_task_status_id (task_status, id);
--   ALTER TABLE tasks AUTO_INCREMENT = 10001;
--   ALTER TABLE tasks ADD COLUMN run_at datetime NOT NULL DEFAULT '1000-01-01 00:00:00';
--   ALTER TABLE tasks ADD INDEX idx_task_status_run_at_id (task_status, run_at, id);
--   ALTER TABLE tasks ADD COLUMN unique_key varchar(191) DEFAULT NULL;
--   ALTER TABLE tasks ADD COLUMN unique_active varchar(191) GENERATED ALWAYS AS (CASE WHEN `task_status` IN ('initialized', 'running') THEN `unique_key` END) STORED;
--   ALTER TABLE tasks ADD UNIQUE INDEX uk_unique_active (unique_active);
-- (Adding the stored generated column rebuilds the table: plan it for a large one.)
-- The library creates the same table under any valid name: TaskTable.create(named:on:).
CREATE TABLE IF NOT EXISTS `tasks` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `task_key` varchar(64) NOT NULL DEFAULT '',
  `task_status` varchar(64) NOT NULL DEFAULT '',
  `context` mediumtext,
  `argument` mediumtext,
  `extra` mediumtext,
  `created_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
  `updated_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
  `run_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
  `unique_key` varchar(191) DEFAULT NULL,
  `unique_active` varchar(191) GENERATED ALWAYS AS (CASE WHEN `task_status` IN ('initialized', 'running') THEN `unique_key` END) STORED,
  PRIMARY KEY (`id`),
  KEY `idx_task_key` (`task_key`),
  KEY `idx_task_status_id` (`task_status`, `id`),
  KEY `idx_updated_at` (`updated_at`),
  KEY `idx_task_status_run_at_id` (`task_status`, `run_at`, `id`),
  UNIQUE KEY `uk_unique_active` (`unique_active`)
) ENGINE=InnoDB AUTO_INCREMENT=10001 DEFAULT CHARSET=utf8mb4;

-- Optional addition for periodic tasks (Swift only; the Go original never reads or writes it):
-- the schedules table, one row per scheduled key, named after the task table with `_schedules`
-- (see Docs/periodic.md). TaskTable.create(named:on:) and `gta migrate` create it; for a table
-- made earlier, run ScheduleTable.create(forTasks:on:) or this statement:
-- CREATE TABLE IF NOT EXISTS `tasks_schedules` (
--   `task_key` varchar(64) NOT NULL,
--   `schedule` varchar(255) NOT NULL DEFAULT '',
--   `last_due` datetime NULL DEFAULT NULL,
--   `next_due` datetime NULL DEFAULT NULL,
--   `last_task_id` bigint unsigned NULL DEFAULT NULL,
--   `updated_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
--   PRIMARY KEY (`task_key`)
-- ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
