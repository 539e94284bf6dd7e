public import Foundation

/// An alert as the engine writes it into the outbox, in the transaction of the state change that caused it: one
/// per channel. A sender outside the engine delivers it and records each attempt.
public struct AlertDraft: Sendable, Equatable {
    public let event: AlertEvent
    public let channel: String
    public let pipeline: PipelineID
    public let run: RunID?
    public let task: TaskID?
    public let attempt: Int?
    public let logicalDate: Date?
    /// What went wrong, in the engine's words.
    public let error: String?
    /// Alerts of the same pipeline, task and event held back by throttling since the last one sent.
    public let heldBack: Int
    public let createdAt: Date

    public init(
        event: AlertEvent, channel: String, pipeline: PipelineID, run: RunID?, task: TaskID? = nil, attempt: Int? = nil,
        logicalDate: Date? = nil, error: String? = nil, heldBack: Int = 0, createdAt: Date
    ) {
        self.event = event
        self.channel = channel
        self.pipeline = pipeline
        self.run = run
        self.task = task
        self.attempt = attempt
        self.logicalDate = logicalDate
        self.error = error
        self.heldBack = heldBack
        self.createdAt = createdAt
    }
}
