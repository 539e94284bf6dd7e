@testable import Scheduler
import Testing

@Suite struct AdmissionTests {
    private func key(_ run: Int64, _ task: String) -> TaskRunKey { TaskRunKey(run: RunID(run), task: TaskID(task)) }

    @Test func globalLimitCapsRunningAttempts() {
        var admission = Admission(globalLimit: 2)
        for index in 0..<5 { admission.enqueue(key(1, "t\(index)"), pipeline: PipelineID("p")) }
        #expect(admission.admit().map(\.key.task.rawValue) == ["t0", "t1"])
        #expect(admission.admit().isEmpty)
        admission.finished(pipeline: PipelineID("p"))
        #expect(admission.admit().map(\.key.task.rawValue) == ["t2"])
        #expect(admission.queuedCount == 2)
    }

    @Test func pipelineAtItsLimitDoesNotHoldBackOthers() {
        var admission = Admission(globalLimit: 10)
        admission.setLimit(1, for: PipelineID("slow"))
        admission.enqueue(key(1, "a"), pipeline: PipelineID("slow"))
        admission.enqueue(key(1, "b"), pipeline: PipelineID("slow"))
        admission.enqueue(key(2, "c"), pipeline: PipelineID("fast"))
        let admitted = admission.admit().map(\.key.task.rawValue)
        #expect(admitted == ["a", "c"])
    }

    @Test func orderIsFirstQueuedFirstStartedAcrossPipelines() {
        var admission = Admission(globalLimit: 1)
        admission.enqueue(key(1, "first"), pipeline: PipelineID("b"))
        admission.enqueue(key(2, "second"), pipeline: PipelineID("a"))
        #expect(admission.admit().map(\.key.task.rawValue) == ["first"])
        admission.finished(pipeline: PipelineID("b"))
        #expect(admission.admit().map(\.key.task.rawValue) == ["second"])
    }

    @Test func removedEntriesAreNotAdmitted() {
        var admission = Admission(globalLimit: 5)
        admission.enqueue(key(1, "a"), pipeline: PipelineID("p"))
        admission.enqueue(key(2, "b"), pipeline: PipelineID("p"))
        admission.removeQueued(pipeline: PipelineID("p")) { $0.run == RunID(1) }
        #expect(admission.admit().map(\.key.task.rawValue) == ["b"])
    }
}
