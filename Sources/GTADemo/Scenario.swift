import Foundation
import GTA
import Synchronization

// MARK: Task arguments

/// The argument of `send_receipt`: a typed, Codable argument (Go: `ArgType`). The JSON field
/// names are the ones a Go service would write for the same struct with `json:"..."` tags.
struct Receipt: Codable, Sendable {
    var orderID: Int
    var customer: String
    var email: String
    var total: Double

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", customer, email, total
    }
}

/// The argument of `sync_inventory`: which SKU, and (for the demo) how many tries fail first.
struct InventorySync: Codable, Sendable {
    var sku: String
    var failTimes: Int

    enum CodingKeys: String, CodingKey {
        case sku, failTimes = "fail_times"
    }
}

/// The error a simulated warehouse API throws.
struct WarehouseUnavailable: Error, CustomStringConvertible {
    let sku: String
    let attempt: Int
    var description: String { "warehouse API answered 503 Service Unavailable for \(sku) (try \(attempt))" }
}

/// Thrown inside a transaction to roll it back.
struct OutOfStock: Error, CustomStringConvertible {
    let orderID: Int
    var description: String { "order \(orderID): item out of stock" }
}

/// How many times each handler has been tried, by reference (in-process bookkeeping for the demo).
final class Attempts: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func next(_ ref: String) -> Int {
        counts.withLock { counts in
            counts[ref, default: 0] += 1
            return counts[ref]!
        }
    }
}

// MARK: The demo

/// Everything the demo does once its database is open.
struct Scenario {
    let database: DemoDatabase
    let console: Console
    let verbose: Bool

    var db: any GTADatabase { database.db }

    /// Runs the demo; returns `false` when tasks were still unfinished at the deadline.
    func run() async throws -> Bool {
        let console = self.console
        let db = self.db
        let q = { db.dialect.quote($0) }

        console.say("gta demo: reliable tasks in the application's own database")
        console.say("database  \(database.label)")
        try await database.createTables()
        console.say("tables    \(Tables.tasks) (TaskTable.create), \(Tables.orders) (business rows), \(Tables.errors) (handler errors)")

        let handler = DemoLogHandler(console: console, verbose: verbose)
        let logger = Logger(label: "gta") { _ in handler }
        let manager = try TaskManager(
            db: db, table: Tables.tasks,
            .withLoggerFactory({ _ in logger }),
            .withPoolSize(4),
            .withScanInterval(.seconds(1)),
            .withInstantScanInterval(.milliseconds(50)),
            .withWaitTimeout(.seconds(5))
        )
        let config = manager.configuration
        console.say(
            "manager   pool size \(config.poolSize.map(String.init) ?? "unbounded") · scan interval \(short(config.scanInterval))"
                + " · instant scan \(short(config.instantScanInterval)) · stop waits up to \(config.waitTimeout.map(short) ?? "for ever")")

        // 1. A typed task: the handler gets a decoded Receipt.
        try manager.register("send_receipt", TaskDefinition(argumentType: Receipt.self) { _, receipt in
            try await Task.sleep(for: .milliseconds(250 + (receipt.orderID % 3) * 100))
            console.event("receipt  order \(receipt.orderID): mailed to \(receipt.email) (\(String(format: "%.2f", receipt.total)) EUR)")
        })

        // 2. A task that fails and is retried: retryTimes 2 (three tries), 300 ms apart. Each
        // failure is recorded by the handler in the errors table, since the task table has no
        // error column.
        let attempts = Attempts()
        try manager.register("sync_inventory", TaskDefinition(
            argumentType: InventorySync.self,
            retryTimes: 2,
            retryInterval: { _ in .milliseconds(300) }
        ) { _, sync in
            let attempt = attempts.next(sync.sku)
            try await Task.sleep(for: .milliseconds(100))
            if attempt <= sync.failTimes {
                let failure = WarehouseUnavailable(sku: sync.sku, attempt: attempt)
                try await db.execute(
                    "INSERT INTO \(db.dialect.quote(Tables.errors)) (task_key, ref, attempt, error, created_at) VALUES (?, ?, ?, ?, ?)",
                    [.string("sync_inventory"), .string(sync.sku), .int(Int64(attempt)), .string(failure.description), .date(Date())]
                )
                throw failure
            }
            console.event("sync     \(sync.sku): stock level synced on try \(attempt)")
        })

        // 3. An untyped task: the handler gets the argument as a JSONValue.
        try manager.register("audit_log", TaskDefinition(handler: { _, argument in
            try await Task.sleep(for: .milliseconds(50))
            let event = argument?["event"]?.stringValue ?? "?"
            let order = argument?["order_id"]?.intValue.map(String.init) ?? "?"
            console.event("audit    order \(order): \(event) (picked up by the scanner)")
        }))
        console.say("kinds     send_receipt (typed Receipt) · sync_inventory (retryTimes 2, every 300 ms) · audit_log (untyped JSON)")
        console.say()

        manager.start()
        console.event("manager started")
        let monitor = ProgressMonitor(db: db, console: console)
        let progress = Task { await monitor.run() }

        // Step 1: a business row and its task in one manager.transaction: the task row is
        // written 'running' and handed to the pool as soon as the transaction commits.
        console.event("step 1   order 1001 and its receipt task in one manager.transaction (runs at commit)")
        try await placeOrder(manager, Receipt(orderID: 1001, customer: "Ana", email: "ana@example.com", total: 42.50))

        // Step 2: manager.run is that wrapper around one task.
        console.event("step 2   manager.run: inventory sync sku-17, fails twice then succeeds")
        try await manager.run("sync_inventory", InventorySync(sku: "sku-17", failTimes: 2))
        console.event("step 3   manager.run: inventory sync sku-99, fails on every try")
        try await manager.run("sync_inventory", InventorySync(sku: "sku-99", failTimes: 99))

        // Step 4: a transaction that throws: neither the order nor its task exists afterwards.
        console.event("step 4   order 1002 in a manager.transaction that throws (rolls back)")
        do {
            try await manager.transaction { tx in
                try await insertOrder(tx, Receipt(orderID: 1002, customer: "Ben", email: "ben@example.com", total: 5))
                try await manager.runWithTx(tx, "send_receipt", Receipt(orderID: 1002, customer: "Ben", email: "ben@example.com", total: 5))
                throw OutOfStock(orderID: 1002)
            }
        } catch let error as OutOfStock {
            let orders = try await count(db, "SELECT COUNT(*) AS n FROM \(q(Tables.orders)) WHERE id = ?", [.int(1002)])
            let tasks = try await count(
                db, "SELECT COUNT(*) AS n FROM \(q(Tables.tasks)) WHERE argument LIKE ?", [.string("%\"order_id\":1002,%")])
            console.event("         rolled back (\(error)): order rows for 1002: \(orders), task rows for it: \(tasks)")
        }

        // Step 5: a plain db.transaction: the library cannot see its commit, so the tasks are
        // written 'initialized' and the scanner claims them after the commit.
        console.event("step 5   order 1003 with a receipt and an audit task in a plain db.transaction (scanner path)")
        try await db.transaction { tx in
            let receipt = Receipt(orderID: 1003, customer: "Chloé", email: "chloe@example.com", total: 17.90)
            try await insertOrder(tx, receipt)
            try await manager.runWithTx(tx, "send_receipt", receipt)
            try await manager.runWithTx(tx, "audit_log", AuditEvent(event: "order placed", orderID: 1003))
        }
        console.event("step 6   audit task in its own plain db.transaction (scanner path)")
        try await db.transaction { tx in
            try await manager.runWithTx(tx, "audit_log", AuditEvent(event: "stock report requested", orderID: 1003))
        }

        // Step 7: more tasks than free slots in one manager.transaction: those that fit are
        // written 'running', the others 'initialized' for the scanner.
        console.event("step 7   orders 1004-1008 in one manager.transaction, more receipts than free pool slots")
        try await manager.transaction { tx in
            for (n, name) in ["Dan", "Eve", "Femi", "Gus", "Hana"].enumerated() {
                let receipt = Receipt(
                    orderID: 1004 + n, customer: name, email: "\(name.lowercased())@example.com", total: Double(10 + 3 * n))
                try await insertOrder(tx, receipt)
                try await manager.runWithTx(tx, "send_receipt", receipt)
            }
        }
        let written = try await statusCounts(db)
        console.event("         table just after that commit: \(written.line)")

        // Wait until no task is initialized or running.
        let deadline = ContinuousClock.now + .seconds(12)
        var finished = false
        while ContinuousClock.now < deadline {
            let counts = try await statusCounts(db)
            if counts.initialized == 0, counts.running == 0 {
                finished = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        progress.cancel()
        await progress.value
        if finished {
            console.event("all tasks done; stopping the manager (stop(wait: true))")
        } else {
            console.event("some tasks are still unfinished after 12 s; stopping the manager (stop(wait: true))")
        }
        await manager.stop(wait: true)
        console.event("manager stopped")

        try await report(manager)
        return finished
    }

    // MARK: Steps

    private func placeOrder(_ manager: TaskManager, _ receipt: Receipt) async throws {
        try await manager.transaction { tx in
            try await insertOrder(tx, receipt)
            try await manager.runWithTx(tx, "send_receipt", receipt)
        }
    }

    // MARK: Report

    private func report(_ manager: TaskManager) async throws {
        let q = { db.dialect.quote($0) }
        let counts = try await statusCounts(db)
        console.say()
        console.say("Report, read from \(Tables.tasks) after stop (built-in rows left out)")
        console.say("  \(counts.line) · total \(counts.total)")

        console.say()
        console.say("  tasks:")
        let rows = try await db.query(
            "SELECT id, task_key, task_status, argument FROM \(q(Tables.tasks)) WHERE task_key NOT LIKE ? ORDER BY id",
            [.string(TaskKey.builtinPrefix + "%")])
        for row in rows {
            let id = try row.decode(UInt64.self, "id")
            let key = try row.decode(String.self, "task_key")
            let status = try row.decode(String.self, "task_status")
            let argument = try row.decode(String?.self, "argument") ?? "null"
            console.say("    #\(id)  \(pad(key, 14))  \(pad(status, 11))  \(argument)")
        }

        let orders = try await db.query("SELECT id FROM \(q(Tables.orders)) ORDER BY id")
        let ids = try orders.map { String(try $0.decode(Int64.self, "id")) }
        console.say()
        console.say("  orders in \(Tables.orders): \(ids.joined(separator: ", ")) (1002 rolled back with its task)")

        let unsuccessful = try await manager.queryUnsuccessfulTasks(limit: 20, offset: 0)
        console.say()
        console.say("  unsuccessful tasks (manager.queryUnsuccessfulTasks(limit: 20, offset: 0)): \(unsuccessful.count)")
        for task in unsuccessful {
            console.say("    #\(task.id)  \(task.taskKey)  \(task.taskStatus)  \(task.argumentText ?? "null")")
            if let recorded = try await lastRecordedError(task) {
                console.say("      last error (try \(recorded.attempt)): \(recorded.error)")
            } else {
                console.say("      no error recorded by its handler (see the gta log lines above)")
            }
        }
        if !unsuccessful.isEmpty {
            console.say("    (the task table has no error column: the error text above is what the handler wrote")
            console.say("     to \(Tables.errors) before throwing; the library logs it too, in the 'gta warn' lines)")
        }
    }

    /// The last error the handler of `task` recorded, looked up by the reference in its argument.
    private func lastRecordedError(_ task: TaskRecord) async throws -> (attempt: Int, error: String)? {
        guard task.taskKey == "sync_inventory", let argument = task.argument,
            let sync = try? GoJSONDecoder().decode(InventorySync.self, from: argument)
        else { return nil }
        let rows = try await db.query(
            "SELECT attempt, error FROM \(db.dialect.quote(Tables.errors)) WHERE task_key = ? AND ref = ? ORDER BY id DESC LIMIT 1",
            [.string(task.taskKey.rawValue), .string(sync.sku)])
        guard let row = rows.first else { return nil }
        return (try row.decode(Int.self, "attempt"), try row.decode(String.self, "error"))
    }
}

/// The argument of `audit_log`; its handler reads it as untyped JSON.
struct AuditEvent: Codable, Sendable {
    var event: String
    var orderID: Int
    enum CodingKeys: String, CodingKey {
        case event, orderID = "order_id"
    }
}

/// Writes a business row through a transaction handle.
func insertOrder(_ tx: any GTATransaction, _ receipt: Receipt) async throws {
    try await tx.execute(
        "INSERT INTO \(tx.dialect.quote(Tables.orders)) (id, customer, email, total, created_at) VALUES (?, ?, ?, ?, ?)",
        [.int(Int64(receipt.orderID)), .string(receipt.customer), .string(receipt.email), .double(receipt.total), .date(Date())]
    )
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

// MARK: Progress

/// How many user tasks are in each status.
struct StatusCounts: Equatable {
    var initialized = 0
    var running = 0
    var succeeded = 0
    var failed = 0
    var total: Int { initialized + running + succeeded + failed }
    var line: String { "running \(running) · succeeded \(succeeded) · failed \(failed) · initialized \(initialized)" }
}

func statusCounts(_ db: any GTADatabase) async throws -> StatusCounts {
    let rows = try await db.query(
        "SELECT task_status, COUNT(*) AS n FROM \(db.dialect.quote(Tables.tasks)) WHERE task_key NOT LIKE ? GROUP BY task_status",
        [.string(TaskKey.builtinPrefix + "%")])
    var counts = StatusCounts()
    for row in rows {
        let n = try row.decode(Int.self, "n")
        switch TaskStatus(rawValue: try row.decode(String.self, "task_status")) {
        case .initialized: counts.initialized = n
        case .running: counts.running = n
        case .succeeded: counts.succeeded = n
        case .failed: counts.failed = n
        default: break
        }
    }
    return counts
}

func count(_ db: any GTAExecutor, _ sql: String, _ binds: [GTAValue]) async throws -> Int {
    try await db.query(sql, binds).first?.decode(Int.self, "n") ?? 0
}

/// Prints a progress line whenever the counts change, read from the table every 100 ms.
struct ProgressMonitor {
    let db: any GTADatabase
    let console: Console

    func run() async {
        var last: StatusCounts?
        while !Task.isCancelled {
            if let counts = try? await statusCounts(db), counts != last, counts.total > 0 {
                console.event("progress " + counts.line)
                last = counts
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
