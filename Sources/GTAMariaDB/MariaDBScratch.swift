import CMariaDB

/// What a connection binds its statements' parameters from: the `MYSQL_BIND` array, the
/// lengths, scalars and times the binds point to, and a growable byte buffer for text and
/// bytes. Owned by one connection, used on its thread, and valid until the execution that
/// bound it returns (Connector/C reads the values during `mysql_stmt_execute`).
///
/// One set per connection rather than one per prepared statement: a parameter costs about
/// 170 bytes here, the library's batch statements have up to 771 parameters, and each padded
/// size is a statement of its own. Arrays of more than ``keptParameters`` and a byte buffer of
/// more than ``keptBytes`` are given back after the execution (``releaseLarge()``), so that a
/// connection between two batch statements, or after one large argument, holds only the small
/// set.
struct MariaDBScratch {
    /// The parameter arrays kept between executions hold this many: 32, room for the library's
    /// single-row statements (a task's insert has 7 to 9); its batch statements have more.
    static let keptParameters = 32
    /// The byte buffer kept between executions holds this many bytes: 64 kB. It starts at 4 kB
    /// and grows to the text and bytes of the widest execution (up to the packet limit).
    static let keptBytes = 65_536

    private(set) var base: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var params: UnsafeMutablePointer<MYSQL_BIND>
    private(set) var paramLengths: UnsafeMutablePointer<UInt>
    private(set) var paramScalars: UnsafeMutablePointer<UInt64>
    private(set) var paramTimes: UnsafeMutablePointer<MYSQL_TIME>
    private var parameterCapacity: Int

    init() {
        capacity = 4096
        base = .allocate(byteCount: capacity, alignment: 8)
        parameterCapacity = Self.keptParameters
        params = .allocate(capacity: parameterCapacity)
        paramLengths = .allocate(capacity: parameterCapacity)
        paramScalars = .allocate(capacity: parameterCapacity)
        paramTimes = .allocate(capacity: parameterCapacity)
    }

    mutating func reserve(_ count: Int) {
        guard count > capacity else { return }
        base.deallocate()
        capacity = max(count, capacity * 2)
        base = .allocate(byteCount: capacity, alignment: 8)
    }

    /// Room for `count` parameters. The arrays' contents are not kept.
    mutating func reserveParameters(_ count: Int) {
        guard count > parameterCapacity else { return }
        reallocateParameters(count)
    }

    /// Back to ``keptParameters`` and to ``keptBytes`` when the last execution needed more.
    /// Called once an execution has returned.
    mutating func releaseLarge() {
        if parameterCapacity > Self.keptParameters { reallocateParameters(Self.keptParameters) }
        if capacity > Self.keptBytes {
            base.deallocate()
            capacity = Self.keptBytes
            base = .allocate(byteCount: capacity, alignment: 8)
        }
    }

    private mutating func reallocateParameters(_ count: Int) {
        freeParameters()
        parameterCapacity = count
        params = .allocate(capacity: count)
        paramLengths = .allocate(capacity: count)
        paramScalars = .allocate(capacity: count)
        paramTimes = .allocate(capacity: count)
    }

    private func freeParameters() {
        params.deallocate()
        paramLengths.deallocate()
        paramScalars.deallocate()
        paramTimes.deallocate()
    }

    /// Copies the UTF-8 of `string` to `offset`; returns the byte count.
    func copy(_ string: String, at offset: Int) -> Int {
        var string = string
        return string.withUTF8 { utf8 in
            if let source = utf8.baseAddress { (base + offset).copyMemory(from: source, byteCount: utf8.count) }
            return utf8.count
        }
    }

    func copy(_ bytes: [UInt8], at offset: Int) -> Int {
        bytes.withUnsafeBytes { raw in
            if let source = raw.baseAddress { (base + offset).copyMemory(from: source, byteCount: raw.count) }
            return raw.count
        }
    }

    func free() {
        base.deallocate()
        freeParameters()
    }
}
