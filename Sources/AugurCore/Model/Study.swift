import Foundation

/// Whether a study still hands out trials.
public enum StudyState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Trials are being suggested and run.
    case active = "ACTIVE"
    /// The budget is spent, the grid is exhausted, or the target was reached.
    case completed = "COMPLETED"
    /// Too many trials failed.
    case failed = "FAILED"
    /// A user stopped the study; it can be resumed.
    case stopped = "STOPPED"
}

/// Which stored spec a study has: the study's creation id and the revision of its spec.
///
/// A study's spec changes only by a new revision (resuming with another budget), and a study deleted and created
/// again under the same name gets a new creation id, so one version always names one spec: caches key specs by it
/// and never compare spec contents.
public struct StudyVersion: Sendable, Codable, Hashable, CustomStringConvertible {
    /// Set once when the study is created; never reused, even for the same name.
    public var uid: String
    /// 1 at creation, one more each time the stored spec changes.
    public var revision: Int

    public init(uid: String, revision: Int) {
        self.uid = uid
        self.revision = revision
    }

    /// A version for a study being created now: a fresh random creation id at revision 1.
    public static func new() -> StudyVersion {
        StudyVersion(uid: UUID().uuidString.lowercased(), revision: 1)
    }

    public var description: String { "\(uid)@\(revision)" }
}

/// A stored study: its spec plus its state.
public struct Study: Sendable, Codable, Hashable {
    public var spec: StudySpec
    public var state: StudyState
    /// Why the study is in its state ("grid exhausted", "target 0.01 reached by trial 17", …).
    public var stateReason: String?
    public var createdAt: Date
    /// The creation id and spec revision the store gave this study.
    public var version: StudyVersion

    public var name: String { spec.name }

    public init(spec: StudySpec, state: StudyState = .active, stateReason: String? = nil, createdAt: Date = Date(),
                version: StudyVersion = .new()) {
        self.spec = spec
        self.state = state
        self.stateReason = stateReason
        self.createdAt = createdAt
        self.version = version
    }
}
