/// One client operation of a recorded history: what was asked, what came back, and when.
///
/// Times are abstract, totally ordered instants (a line number, a simulated tick). An
/// operation whose outcome is unknown (the client timed out, crashed, or was told `:info`)
/// has no return time: it may take effect at any instant after its call, or never.
///
/// Invariant: `returnTime`, when present, is not before `callTime`.
public struct HistoryOperation<Input: Sendable, Output: Sendable>: Sendable {
    /// The client (or process) that issued the operation; used only in messages.
    public var clientID: Int
    /// What the client asked for.
    public var input: Input
    /// What the client was told; the model decides what an unknown outcome looks like.
    public var output: Output
    /// The instant the client issued the operation.
    public var callTime: Int
    /// The instant the client got its answer, or `nil` when the outcome is unknown.
    public var returnTime: Int?

    /// An operation from its parts.
    ///
    /// - Precondition: `returnTime`, when present, is at or after `callTime`.
    public init(clientID: Int, input: Input, output: Output, callTime: Int, returnTime: Int?) {
        if let returnTime {
            precondition(returnTime >= callTime, "operation returns at \(returnTime) before its call at \(callTime)")
        }
        self.clientID = clientID
        self.input = input
        self.output = output
        self.callTime = callTime
        self.returnTime = returnTime
    }

    /// Whether the client never learned the outcome, so the operation has no end.
    public var isOutcomeUnknown: Bool { returnTime == nil }
}
