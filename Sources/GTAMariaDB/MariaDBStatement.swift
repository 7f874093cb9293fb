import CMariaDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

/// A prepared statement with its result buffers, owned by one connection and used only on that
/// connection's thread. Its parameters are bound from the connection's ``MariaDBScratch``,
/// which holds them until `mysql_stmt_execute` returns: a connection runs one statement at a
/// time, so the statements it keeps need no parameter arrays of their own.
final class MariaDBStatement {
    /// How a result column is fetched and turned into a ``GTAValue``.
    enum ColumnKind {
        case signed, unsigned, double, text, bytes, decimal, dateTime, null
    }

    let handle: UnsafeMutablePointer<MYSQL_STMT>
    let parameterCount: Int
    /// The cache's clock value at the last use, for least-recently-used eviction.
    var lastUse: UInt64 = 0

    private var resultCount = 0
    private var results: UnsafeMutablePointer<MYSQL_BIND>?
    private var resultLengths: UnsafeMutablePointer<UInt>?
    private var resultNulls: UnsafeMutablePointer<my_bool>?
    private var resultErrors: UnsafeMutablePointer<my_bool>?
    private var resultBuffers: [UnsafeMutableRawPointer] = []
    private var resultCapacities: [Int] = []
    /// Larger buffer sizes asked for by truncated values; applied at the next rebuild.
    private var wantedCapacities: [Int] = []
    private var kinds: [ColumnKind] = []
    private var signature: [UInt64] = []
    private var columns: GTAColumns?

    init(handle: UnsafeMutablePointer<MYSQL_STMT>) {
        self.handle = handle
        parameterCount = Int(mysql_stmt_param_count(handle))
    }

    deinit {
        mysql_stmt_close(handle)
        freeResultBuffers()
    }

    private func freeResultBuffers() {
        results?.deallocate()
        resultLengths?.deallocate()
        resultNulls?.deallocate()
        resultErrors?.deallocate()
        for buffer in resultBuffers { buffer.deallocate() }
        results = nil
        resultLengths = nil
        resultNulls = nil
        resultErrors = nil
        resultBuffers = []
        resultCapacities = []
    }

    /// Binds `values` (their count was checked by the caller) from `scratch`, which the
    /// connection owns and keeps as it is until the execution returns: the parameter arrays,
    /// and the copies of text and bytes.
    func bind(_ values: [GTAValue], scratch: inout MariaDBScratch, time: MariaDBTime) throws {
        guard parameterCount > 0 else { return }
        scratch.reserveParameters(parameterCount)
        let params = scratch.params, paramScalars = scratch.paramScalars, paramTimes = scratch.paramTimes
        var variableBytes = 0
        for value in values {
            switch value {
            case .string(let s): variableBytes += s.utf8.count
            case .bytes(let b): variableBytes += b.count
            default: break
            }
        }
        scratch.reserve(variableBytes)
        var offset = 0
        for (i, value) in values.enumerated() {
            let bind = params + i
            bind.pointee = MYSQL_BIND()
            let slot = UnsafeMutableRawPointer(paramScalars + i)
            switch value {
            case .null:
                bind.pointee.buffer_type = MYSQL_TYPE_NULL
            case .int(let v):
                slot.storeBytes(of: v, as: Int64.self)
                bind.pointee.buffer_type = MYSQL_TYPE_LONGLONG
                bind.pointee.buffer = slot
            case .uint(let v):
                slot.storeBytes(of: v, as: UInt64.self)
                bind.pointee.buffer_type = MYSQL_TYPE_LONGLONG
                bind.pointee.is_unsigned = 1
                bind.pointee.buffer = slot
            case .double(let v):
                slot.storeBytes(of: v, as: Double.self)
                bind.pointee.buffer_type = MYSQL_TYPE_DOUBLE
                bind.pointee.buffer = slot
            case .bool(let v):
                slot.storeBytes(of: v ? 1 : 0, as: Int8.self)
                bind.pointee.buffer_type = MYSQL_TYPE_TINY
                bind.pointee.buffer = slot
            case .string(let s):
                let count = scratch.copy(s, at: offset)
                bindVariable(bind, length: scratch.paramLengths + i, type: MYSQL_TYPE_STRING, at: scratch.base + offset, count: count)
                offset += count
            case .bytes(let b):
                let count = scratch.copy(b, at: offset)
                bindVariable(bind, length: scratch.paramLengths + i, type: MYSQL_TYPE_BLOB, at: scratch.base + offset, count: count)
                offset += count
            case .date(let d):
                time.fill(paramTimes + i, from: d)
                bind.pointee.buffer_type = MYSQL_TYPE_DATETIME
                bind.pointee.buffer = UnsafeMutableRawPointer(paramTimes + i)
            }
        }
        if mysql_stmt_bind_param(handle, params) != 0 {
            throw MariaDBError.from(statement: handle, kind: .execute)
        }
    }

    private func bindVariable(
        _ bind: UnsafeMutablePointer<MYSQL_BIND>, length: UnsafeMutablePointer<UInt>, type: enum_field_types,
        at pointer: UnsafeMutableRawPointer, count: Int
    ) {
        length.pointee = UInt(count)
        bind.pointee.buffer_type = type
        bind.pointee.buffer = pointer
        bind.pointee.buffer_length = UInt(count)
        bind.pointee.length = length
    }

    /// Runs the bound statement. Returns the rows (only when `wantRows`; other rows are read
    /// and dropped) and what the statement did.
    func execute(wantRows: Bool, time: MariaDBTime) throws -> (GTAExecuteResult, [GTARow]) {
        if mysql_stmt_execute(handle) != 0 {
            throw MariaDBError.from(statement: handle, kind: .execute)
        }
        let fieldCount = Int(mysql_stmt_field_count(handle))
        if fieldCount == 0 {
            let affected = mysql_stmt_affected_rows(handle)
            let result = GTAExecuteResult(
                rowsAffected: affected == UInt64.max ? 0 : Int(clamping: affected),
                lastInsertID: mysql_stmt_insert_id(handle)
            )
            return (result, [])
        }
        defer { mysql_stmt_free_result(handle) }
        let columns = try prepareResults(count: fieldCount)
        if mysql_stmt_bind_result(handle, results) != 0 {
            throw MariaDBError.from(statement: handle, kind: .fetch)
        }
        var rows: [GTARow] = []
        while true {
            let rc = mysql_stmt_fetch(handle)
            if rc == MYSQL_NO_DATA { break }
            if rc == 1 { throw MariaDBError.from(statement: handle, kind: .fetch) }
            // 0 or MYSQL_DATA_TRUNCATED: long values are completed column by column.
            if wantRows {
                rows.append(GTARow(columns: columns, values: try decodeRow(time: time)))
            }
        }
        return (GTAExecuteResult(rowsAffected: 0), rows)
    }

    /// Sets up the result binds from the statement's metadata; reuses them (and the column
    /// names) while the metadata stays the same.
    private func prepareResults(count: Int) throws -> GTAColumns {
        guard let metadata = mysql_stmt_result_metadata(handle) else {
            throw MariaDBError.from(statement: handle, kind: .fetch)
        }
        defer { mysql_free_result(metadata) }
        let fields = mysql_fetch_fields(metadata)!
        var newSignature: [UInt64] = []
        newSignature.reserveCapacity(count)
        for i in 0..<count {
            let f = fields[i]
            newSignature.append(UInt64(f.type.rawValue) << 48 ^ UInt64(f.charsetnr) << 32 ^ UInt64(f.flags & 0xFFFF) << 16 ^ UInt64(f.name_length))
        }
        if let columns, newSignature == signature,
            zip(columns.names, 0..<count).allSatisfy({ $0.0.utf8.elementsEqual(UnsafeBufferPointer(start: UnsafeRawPointer(fields[$0.1].name).assumingMemoryBound(to: UInt8.self), count: Int(fields[$0.1].name_length))) })
        {
            return columns
        }
        // Metadata changed (first execution, or a table was altered): rebuild.
        let grownCapacities = wantedCapacities
        freeResultBuffers()
        signature = newSignature
        resultCount = count
        results = .allocate(capacity: count)
        resultLengths = .allocate(capacity: count)
        resultNulls = .allocate(capacity: count)
        resultErrors = .allocate(capacity: count)
        kinds = []
        var names: [String] = []
        for i in 0..<count {
            let field = fields[i]
            names.append(String(cString: field.name))
            let kind = Self.kind(of: field)
            kinds.append(kind)
            var capacity: Int
            switch kind {
            case .signed, .unsigned, .double, .null: capacity = 8
            case .dateTime: capacity = MemoryLayout<MYSQL_TIME>.stride
            case .text, .bytes, .decimal:
                capacity = min(max(Int(field.length) + 1, 16), 1024)
                if i < grownCapacities.count { capacity = max(capacity, grownCapacities[i]) }
            }
            resultCapacities.append(capacity)
            resultBuffers.append(.allocate(byteCount: capacity, alignment: 8))
        }
        wantedCapacities = resultCapacities
        columns = GTAColumns(names)
        rebindResults()
        return columns!
    }

    private func rebindResults() {
        for i in 0..<resultCount {
            let bind = results! + i
            bind.pointee = MYSQL_BIND()
            bind.pointee.buffer = resultBuffers[i]
            bind.pointee.buffer_length = UInt(resultCapacities[i])
            bind.pointee.length = resultLengths! + i
            bind.pointee.is_null = resultNulls! + i
            bind.pointee.error = resultErrors! + i
            switch kinds[i] {
            case .signed, .null: bind.pointee.buffer_type = MYSQL_TYPE_LONGLONG
            case .unsigned:
                bind.pointee.buffer_type = MYSQL_TYPE_LONGLONG
                bind.pointee.is_unsigned = 1
            case .double: bind.pointee.buffer_type = MYSQL_TYPE_DOUBLE
            case .dateTime: bind.pointee.buffer_type = MYSQL_TYPE_DATETIME
            case .text, .decimal: bind.pointee.buffer_type = MYSQL_TYPE_STRING
            case .bytes: bind.pointee.buffer_type = MYSQL_TYPE_BLOB
            }
        }
    }

    static func kind(of field: MYSQL_FIELD) -> ColumnKind {
        let unsigned = field.flags & UInt32(UNSIGNED_FLAG) != 0
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_INT24, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            return unsigned ? .unsigned : .signed
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            return .double
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL:
            return .decimal
        case MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE, MYSQL_TYPE_DATETIME2, MYSQL_TYPE_TIMESTAMP2:
            return .dateTime
        case MYSQL_TYPE_NULL:
            return .null
        case MYSQL_TYPE_BIT, MYSQL_TYPE_GEOMETRY:
            return .bytes
        case MYSQL_TYPE_STRING, MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_VARCHAR, MYSQL_TYPE_BLOB,
            MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_MEDIUM_BLOB, MYSQL_TYPE_LONG_BLOB:
            return field.charsetnr == 63 ? .bytes : .text
        default:
            // TIME, ENUM, SET, JSON and anything newer: text.
            return .text
        }
    }

    private func decodeRow(time: MariaDBTime) throws -> [GTAValue] {
        var values: [GTAValue] = []
        values.reserveCapacity(resultCount)
        for i in 0..<resultCount {
            if resultNulls![i] != 0 {
                values.append(.null)
                continue
            }
            let buffer = resultBuffers[i]
            switch kinds[i] {
            case .null: values.append(.null)
            case .signed: values.append(.int(buffer.load(as: Int64.self)))
            case .unsigned: values.append(.uint(buffer.load(as: UInt64.self)))
            case .double: values.append(.double(buffer.load(as: Double.self)))
            case .dateTime:
                let t = buffer.load(as: MYSQL_TIME.self)
                if t.year == 0 && t.month == 0 && t.day == 0 {
                    values.append(.null)  // the zero date '0000-00-00' has no Date.
                } else {
                    values.append(.date(time.date(from: t)))
                }
            case .text, .decimal, .bytes:
                let length = Int(resultLengths![i])
                let bytes: UnsafeRawBufferPointer
                var longValue: UnsafeMutableRawPointer?
                defer { longValue?.deallocate() }
                if length > resultCapacities[i] {
                    // Truncated: fetch the whole value into a buffer of its size, and grow this
                    // column's buffer for later executions when the value is moderate.
                    let whole = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 8)
                    longValue = whole
                    var bind = results![i]
                    bind.buffer = whole
                    bind.buffer_length = UInt(length)
                    if mysql_stmt_fetch_column(handle, &bind, UInt32(i), 0) != 0 {
                        throw MariaDBError.from(statement: handle, kind: .fetch)
                    }
                    bytes = UnsafeRawBufferPointer(start: whole, count: length)
                    if length <= 16_384 && length >= wantedCapacities[i] {
                        wantedCapacities[i] = length + 1
                        signature = []
                    }
                } else {
                    bytes = UnsafeRawBufferPointer(start: buffer, count: length)
                }
                if kinds[i] == .bytes {
                    values.append(.bytes([UInt8](bytes)))
                } else {
                    values.append(.string(String(decoding: bytes, as: UTF8.self)))
                }
            }
        }
        return values
    }
}
