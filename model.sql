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
