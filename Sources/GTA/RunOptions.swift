#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How one task is created beyond its key and argument (Swift only): when it may run, and the
/// unique key that keeps a second one from waiting beside it.
///
/// ```swift
/// // Run in 30 seconds (the row waits `initialized`; any instance with the key claims it once due).
/// try await manager.run("send_reminder", reminder, options: .after(.seconds(30)))
/// // At a given time, and at most one waiting or running per order; a second call gets the first's id.
/// let id = try await manager.run("charge", charge, options: RunOptions(runAt: dueDate, uniqueKey: "order-42", onDuplicate: .returnExisting))
/// ```
///
/// Delayed tasks need the table's `run_at` column, unique keys its unique index
/// (``TaskTableFeature``): without them creating the task throws
/// ``GTAError/featureNeedsMigration`` and writes nothing.
public struct RunOptions: Sendable, Hashable {
    /// The earliest time the task runs; `nil` (the default) for at once. A time that is not in
    /// the future runs at once. Stored with whole seconds, rounded up, so a task never runs
    /// before it.
    public var runAt: Date?
    /// A delay from the call, used when ``runAt`` is `nil`. The default is `nil` (none).
    public var delay: Duration?
    /// The task's unique key: while a task of the same task key and unique key is `initialized`
    /// or `running`, another is refused (or the existing one's id returned: ``onDuplicate``). It
    /// replaces the definition's ``TaskDefinition/unique``. At most 126 characters; the default
    /// is `nil` (the definition's, if any).
    public var uniqueKey: String?
    /// What a duplicate unique key does; `nil` (the default) for the definition's policy, or
    /// ``OnDuplicate/fail`` when the definition has none.
    public var onDuplicate: OnDuplicate?

    /// Options; every default (`nil`) means: now, not unique (unless the definition says so),
    /// the definition's duplicate policy.
    public init(runAt: Date? = nil, delay: Duration? = nil, uniqueKey: String? = nil, onDuplicate: OnDuplicate? = nil) {
        self.runAt = runAt
        self.delay = delay
        self.uniqueKey = uniqueKey
        self.onDuplicate = onDuplicate
    }

    /// Run at once: no delay, no unique key of the call's own.
    public static let now = RunOptions()

    /// Run at `date` or later.
    public static func at(_ date: Date) -> RunOptions { RunOptions(runAt: date) }

    /// Run `delay` after the call or later.
    public static func after(_ delay: Duration) -> RunOptions { RunOptions(delay: delay) }

    /// Run at once under a unique key.
    public static func unique(_ key: String, onDuplicate: OnDuplicate = .fail) -> RunOptions {
        RunOptions(uniqueKey: key, onDuplicate: onDuplicate)
    }

    /// The time to store in `run_at`, rounded up to the second, or `nil` when the task is due now.
    func dueTime(now: Date) -> Date? {
        let due = runAt ?? delay.map { now.addingTimeInterval($0.timeInterval) }
        guard let due, due > now else { return nil }
        return Date(timeIntervalSince1970: due.timeIntervalSince1970.rounded(.up))
    }
}

/// What creating a task whose unique key is held by a waiting or running task does.
public enum OnDuplicate: Sendable, Hashable {
    /// Throw ``GTAError/duplicateUniqueKey``, naming the key and the existing task's id.
    case fail
    /// Create nothing and return the existing task's id.
    case returnExisting
}

/// A definition's unique keys (Swift only): which of its tasks count as the same, so that only
/// one of them waits or runs at a time. Set ``TaskDefinition/unique``.
///
/// ```swift
/// var refresh = TaskDefinition { context, argument in try await cache.refresh() }
/// refresh.unique = .perKey(onDuplicate: .returnExisting)   // one refresh waiting or running at a time
/// var invoice = TaskDefinition(argumentType: Invoice.self) { context, invoice in ... }
/// invoice.unique = .byArgument { $0?["order_id"]?.description }   // one per order
/// ```
public struct TaskUniqueness: Sendable {
    /// What a duplicate does. A call's ``RunOptions/onDuplicate`` replaces it.
    public var onDuplicate: OnDuplicate
    /// The unique key of a task with this (JSON) argument, or `nil` for a task that is not unique.
    let key: @Sendable (JSONValue?) -> String?

    /// Every task of the definition shares one unique key: at most one waits or runs at a time.
    /// The default policy is ``OnDuplicate/fail``.
    public static func perKey(onDuplicate: OnDuplicate = .fail) -> TaskUniqueness {
        TaskUniqueness(onDuplicate: onDuplicate) { _ in "" }
    }

    /// The unique key comes from the argument, as JSON (`nil`: the task is not unique). The
    /// default policy is ``OnDuplicate/fail``.
    public static func byArgument(onDuplicate: OnDuplicate = .fail, _ key: @escaping @Sendable (JSONValue?) -> String?) -> TaskUniqueness {
        TaskUniqueness(onDuplicate: onDuplicate, key: key)
    }

    /// The longest unique key a call or a definition may give, in characters: with the task key
    /// and a `:` it fills the 191 characters of `unique_key`.
    public static let maximumKeyLength = 126

    /// The stored form: the task key, `:`, the unique key (keys are unique per task key).
    static func stored(_ key: String, taskKey: TaskKey) throws -> String {
        guard key.count <= maximumKeyLength else {
            throw GTAError(.optionInvalid, "task key '\(taskKey)': unique key '\(key.prefix(40))...' is longer than \(maximumKeyLength) characters")
        }
        return "\(taskKey.rawValue):\(key)"
    }
}
