/// An error from the task library.
///
/// The eight values of the Go package (`ErrZeroRowsAffected`, `ErrUnexpected`, ...) are
/// ``GTAError/Code`` values with a static error of the same name, so a caller matches them as a
/// Go caller uses `errors.Is`, also when the library added detail:
///
/// ```swift
/// do { try await manager.run("send_mail", arg) }
/// catch GTAError.taskNotFound { ... }                      // pattern match on the code
/// catch let error as GTAError where error.code == .optionInvalid { print(error.message) }
/// ```
///
/// Two errors are equal when their codes are; ``message`` and ``underlying`` carry the detail.
public struct GTAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of error. New codes may be added; switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The Go error text, or a short text of the same style for Swift-only codes.
        public let text: String
        private init(_ text: String) { self.text = text }
        public var description: String { text }

        /// `ErrZeroRowsAffected`: an optimistic update found the row in another status.
        public static let zeroRowsAffected = Code("zero rows affected")
        /// `ErrUnexpected`: something that should not happen happened.
        public static let unexpected = Code("unexpected")
        /// `ErrTaskNotFound`: no definition for a task key, or no row for an id.
        public static let taskNotFound = Code("task not found")
        /// `ErrOption`: an option broke its rule; the message names the rule.
        public static let optionInvalid = Code("option invalid")
        /// `ErrDefNilHandler`: a definition without a handler.
        public static let definitionHandlerNil = Code("definition handler is nil")
        /// `ErrDefEmptyPrimaryKey`: a built-in definition without its fixed row id.
        public static let definitionPrimaryKeyEmpty = Code("definition primary key is empty")
        /// `ErrDefInvalidLoopInterval`: a built-in definition with a loop interval of zero or less.
        public static let definitionLoopIntervalInvalid = Code("definition loop interval is invalid")
        /// `ErrDefInvalidArgument`: an argument of the wrong type, or one that does not encode or decode.
        public static let definitionArgumentInvalid = Code("definition argument is invalid")

        /// Swift only: a table name that is not a valid identifier.
        public static let invalidTableName = Code("table name is invalid")
        /// Swift only: a task key that is empty, too long or already registered (Go panics).
        public static let invalidTaskKey = Code("task key is invalid")
        /// Swift only: the default manager was used before ``startWithOptions(_:table:_:)``.
        public static let notStarted = Code("task manager is not started")
        /// Swift only: a stored context could not be restored, or a context could not be stored.
        public static let contextInvalid = Code("task context is invalid")
        /// Swift only: the connection was lost while a commit (or an autocommitted insert) was in
        /// flight, so whether it took effect is unknown: the rows may exist. Unlike any other
        /// error, this one does not mean "not committed". A task created that way runs all the
        /// same if its row committed (its lease expires and it is rescued); a caller that retries
        /// must tolerate a second task (handlers are idempotent). ``underlying`` is the
        /// backend's error.
        public static let commitOutcomeUnknown = Code("commit outcome unknown")
        /// Swift only: a try of a handler ran longer than its definition's `runTimeout` and was
        /// cancelled; it counts as a failed try.
        public static let taskTimedOut = Code("task timed out")
        /// Swift only: a feature (delayed tasks, unique tasks, periodic tasks) needs a column, an
        /// index or a table that the task table lacks, such as a table made by the Go original's
        /// `model.sql`. The message names the feature and how to add what it needs
        /// (`gta migrate`, or the SQL in `model.sql` and `Docs/features.md`); nothing was written.
        public static let featureNeedsMigration = Code("feature needs migration")
        /// Swift only: a unique task was refused because a task with the same unique key is
        /// still waiting or running; the message names the key and the existing task's id.
        public static let duplicateUniqueKey = Code("duplicate unique key")
    }

    /// The kind of error.
    public let code: Code
    /// What happened, where and why.
    public let message: String
    /// The error this one wraps, if any.
    public let underlying: (any Error)?

    public init(_ code: Code, _ message: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message ?? code.text
        self.underlying = underlying
    }

    public var description: String {
        var text = message == code.text ? code.text : "\(code.text): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }

    public static func == (lhs: GTAError, rhs: GTAError) -> Bool { lhs.code == rhs.code }

    /// Matches any error whose code equals the pattern's, so that `catch GTAError.taskNotFound`
    /// works whatever detail the library added.
    public static func ~= (pattern: GTAError, value: any Error) -> Bool {
        guard let error = value as? GTAError else { return false }
        return error.code == pattern.code
    }

    /// Whether `error`, or an error it wraps, has this code: Go's `errors.Is`.
    public static func `is`(_ error: any Error, _ code: Code) -> Bool {
        var current: (any Error)? = error
        while let e = current as? GTAError {
            if e.code == code { return true }
            current = e.underlying
        }
        return false
    }

    public static let zeroRowsAffected = GTAError(.zeroRowsAffected)
    public static let unexpected = GTAError(.unexpected)
    public static let taskNotFound = GTAError(.taskNotFound)
    public static let optionInvalid = GTAError(.optionInvalid)
    public static let definitionHandlerNil = GTAError(.definitionHandlerNil)
    public static let definitionPrimaryKeyEmpty = GTAError(.definitionPrimaryKeyEmpty)
    public static let definitionLoopIntervalInvalid = GTAError(.definitionLoopIntervalInvalid)
    public static let definitionArgumentInvalid = GTAError(.definitionArgumentInvalid)
    public static let invalidTableName = GTAError(.invalidTableName)
    public static let invalidTaskKey = GTAError(.invalidTaskKey)
    public static let notStarted = GTAError(.notStarted)
    public static let contextInvalid = GTAError(.contextInvalid)
    public static let commitOutcomeUnknown = GTAError(.commitOutcomeUnknown)
    public static let taskTimedOut = GTAError(.taskTimedOut)
    public static let featureNeedsMigration = GTAError(.featureNeedsMigration)
    public static let duplicateUniqueKey = GTAError(.duplicateUniqueKey)
}
