-- Demo rows for the dashboard screenshots (scripts/dashboard-screenshots): a backlog, an instance at work,
-- a lost lease, failures, and rows of a Go service. MariaDB SQL (seq_1_to_N is its sequence engine); the
-- session runs in UTC, as the library writes dates.
-- send_receipt: a backlog, an instance at work, one lost lease, failures
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'send_receipt', 'initialized', CONCAT('{"order_id":', 50000 + seq, ',"email":"customer', seq, '@example.com"}'), '{}',
         NOW() - INTERVAL (240 - seq) SECOND, NOW() - INTERVAL (240 - seq) SECOND FROM seq_1_to_120;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'send_receipt', 'succeeded', CONCAT('{"order_id":', 40000 + seq, '}'), '{"runs":1}',
         NOW() - INTERVAL (seq + 60) SECOND, NOW() - INTERVAL seq SECOND FROM seq_1_to_880;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'send_receipt', 'running', CONCAT('{"order_id":', 49000 + seq, '}'), '{"owner":"p1f3a-4c2d9e81b7a0","runs":1}',
         NOW() - INTERVAL 20 SECOND, NOW() - INTERVAL 3 SECOND FROM seq_1_to_6;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  VALUES ('send_receipt', 'running', '{"order_id":48999}', '{"owner":"p2b07-9e6610c3d5f2","runs":2,"lost":1}',
          NOW() - INTERVAL 9 MINUTE, NOW() - INTERVAL 5 MINUTE);
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'send_receipt', 'failed', CONCAT('{"order_id":', 47000 + seq, ',"email":"bounce', seq, '@example.com"}'),
         '{"runs":1,"attempts":4,"last_error":"smtp: 550 mailbox unavailable"}',
         NOW() - INTERVAL (seq * 97) SECOND, NOW() - INTERVAL (seq * 53) SECOND FROM seq_1_to_7;
-- resize_image
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'resize_image', 'initialized', CONCAT('{"image":"uploads/', seq, '.png","sizes":[64,256,1024]}'), '{}',
         NOW() - INTERVAL (40 - seq) SECOND, NOW() - INTERVAL (40 - seq) SECOND FROM seq_1_to_30;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'resize_image', 'succeeded', CONCAT('{"image":"uploads/o', seq, '.png"}'), '{"runs":1}',
         NOW() - INTERVAL (seq * 3 + 5) SECOND, NOW() - INTERVAL (seq * 3) SECOND FROM seq_1_to_300;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'resize_image', 'running', CONCAT('{"image":"uploads/r', seq, '.png"}'), '{"owner":"p1f3a-4c2d9e81b7a0","runs":1}',
         NOW() - INTERVAL 8 SECOND, NOW() - INTERVAL 2 SECOND FROM seq_1_to_4;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'resize_image', 'failed', CONCAT('{"image":"uploads/broken', seq, '.png","note":"<script>alert(1)</script>"}'),
         '{"runs":1,"attempts":1,"last_error":"decode: not a PNG file"}',
         NOW() - INTERVAL (seq * 400) SECOND, NOW() - INTERVAL (seq * 300) SECOND FROM seq_1_to_2;
-- sync_crm: rows of the Go service (extra {}), one running far past the running timeout
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'sync_crm', 'initialized', CONCAT('{"account_id":', seq, '}'), '{}',
         NOW() - INTERVAL (12 * 60 - seq) SECOND, NOW() - INTERVAL (12 * 60 - seq) SECOND FROM seq_1_to_15;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  SELECT 'sync_crm', 'succeeded', CONCAT('{"account_id":', 100 + seq, '}'), '{}',
         NOW() - INTERVAL (seq * 17 + 30) SECOND, NOW() - INTERVAL (seq * 17) SECOND FROM seq_1_to_50;
INSERT INTO demo_tasks (task_key, task_status, argument, extra, created_at, updated_at)
  VALUES ('sync_crm', 'running', '{"account_id":77}', '{}', NOW() - INTERVAL 50 MINUTE, NOW() - INTERVAL 45 MINUTE),
         ('sync_crm', 'failed', '{"account_id":78}', '{}', NOW() - INTERVAL 2 HOUR, NOW() - INTERVAL 100 MINUTE);
