import CSQLite
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

/// `gta_now()`: the current time as `DATETIME` text in the configured zone, registered on every
/// connection; ``SQLiteDatabase/dialect`` names it when the zone is not UTC.
enum SQLiteNowFunction {
    static func register(on db: OpaquePointer, zone: CivilTimeZone) {
        let box = Unmanaged.passRetained(ZoneBox(zone)).toOpaque()
        sqlite3_create_function_v2(
            db, "gta_now", 0, SQLITE_UTF8, box,
            { context, _, _ in
                guard let context, let data = sqlite3_user_data(context) else { return }
                let zone = Unmanaged<ZoneBox>.fromOpaque(data).takeUnretainedValue().zone
                let text = SQLiteDateText.format(Date(), in: zone)
                sqlite3_result_text(context, text, -1, csqlite_transient())
            },
            nil, nil,
            { data in
                guard let data else { return }
                Unmanaged<ZoneBox>.fromOpaque(data).release()
            }
        )
    }
}

/// The time zone handed to `gta_now()` as SQLite user data.
private final class ZoneBox {
    let zone: CivilTimeZone
    init(_ zone: CivilTimeZone) { self.zone = zone }
}
