import GTA
import GTASQLite

struct Receipt: Codable, Sendable {
    var orderID: UInt64
    var email: String
}

@main
struct GettingStarted {
    static func main() async throws {
        // The application's own database. In production, MariaDB or MySQL:
        //   let db = try MariaDBDatabase(url: "mysql://app:secret@127.0.0.1:3306/app")
        let db = try await SQLiteDatabase(path: "getting-started.sqlite")
        try await TaskTable.create(named: "tasks", on: db)
        try await db.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")

        let manager = try TaskManager(db: db, table: "tasks", .withPoolSize(8))
        try manager.register("send_receipt", TaskDefinition(argumentType: Receipt.self, retryTimes: 3) { _, receipt in
            print("sending the receipt for order \(receipt.orderID) to \(receipt.email)")
        })
        manager.start()

        // The order and its receipt task commit together, or not at all.
        try await manager.transaction { tx in
            let order = try await tx.execute("INSERT INTO orders (email) VALUES (?)", ["ada@example.com"])
            try await manager.runWithTx(tx, "send_receipt", Receipt(orderID: order.lastInsertID, email: "ada@example.com"))
        }

        await manager.stop(wait: true)  // waits for the receipt to be sent
        await db.close()
    }
}
