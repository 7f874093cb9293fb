-- The task table: the Go original's columns, so a table a Go service already uses works as it is.
-- Differences from the original's model.sql, both compatible with a table it created:
--   * AUTO_INCREMENT starts at 10001, so no user task takes id 10000 (the abnormal-check row);
--   * idx_task_status (task_status) is replaced by idx_task_status_id (task_status, id), which the
--     claim query (SELECT ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED) needs. On a table made by
--     the original's schema, add it:
--       ALTER TABLE tasks ADD INDEX idx_task_status_id (task_status, id);
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
  PRIMARY KEY (`id`),
  KEY `idx_task_key` (`task_key`),
  KEY `idx_task_status_id` (`task_status`, `id`),
  KEY `idx_updated_at` (`updated_at`)
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
