import Foundation

/// A piece of metadata a client keeps with a study or a trial: a value under a key in a namespace (Vizier's
/// `KeyValue`). Augur stores it and hands it back; it never reads it to decide anything.
public struct MetadataEntry: Sendable, Codable, Hashable {
    /// The namespace, as the client encodes it (Vizier's Python client writes `""` for its root namespace and
    /// `:a:b` for nested ones).
    public var namespace: String
    public var key: String
    public var value: MetadataValue

    public init(namespace: String = "", key: String, value: MetadataValue) {
        self.namespace = namespace
        self.key = key
        self.value = value
    }

    /// Where an entry lives: one per (namespace, key).
    public var slot: MetadataSlot { MetadataSlot(namespace: namespace, key: key) }
}

/// The (namespace, key) an entry is stored under; writing the same slot again replaces the value.
public struct MetadataSlot: Sendable, Hashable, Comparable {
    public var namespace: String
    public var key: String

    public init(namespace: String, key: String) {
        self.namespace = namespace
        self.key = key
    }

    public static func < (lhs: MetadataSlot, rhs: MetadataSlot) -> Bool {
        (lhs.namespace, lhs.key) < (rhs.namespace, rhs.key)
    }
}

/// A metadata value: text, or a serialized protocol buffer with its type URL (Vizier's `google.protobuf.Any`).
public enum MetadataValue: Sendable, Codable, Hashable {
    case text(String)
    case message(typeURL: String, bytes: Data)
}

/// One change of metadata: `entry` written on the study (`trial == nil`) or on one of its trials.
public struct MetadataUpdate: Sendable, Hashable {
    public var trial: Int?
    public var entry: MetadataEntry

    public init(trial: Int? = nil, entry: MetadataEntry) {
        self.trial = trial
        self.entry = entry
    }
}

/// All metadata of a study: its own entries and those of its trials, each list ordered by namespace and key.
public struct StudyMetadata: Sendable, Hashable {
    public var study: [MetadataEntry]
    public var trials: [Int: [MetadataEntry]]

    public init(study: [MetadataEntry] = [], trials: [Int: [MetadataEntry]] = [:]) {
        self.study = study
        self.trials = trials
    }

    /// The entries of one trial (none when it has none).
    public func entries(ofTrial id: Int) -> [MetadataEntry] {
        trials[id] ?? []
    }

    /// The same metadata with `updates` applied in order (a later write of a slot wins).
    public func applying(_ updates: [MetadataUpdate]) -> StudyMetadata {
        var studyEntries = Dictionary(study.map { ($0.slot, $0) }, uniquingKeysWith: { _, last in last })
        var trialEntries = trials.mapValues { Dictionary($0.map { ($0.slot, $0) }, uniquingKeysWith: { _, last in last }) }
        for update in updates {
            if let trial = update.trial {
                trialEntries[trial, default: [:]][update.entry.slot] = update.entry
            } else {
                studyEntries[update.entry.slot] = update.entry
            }
        }
        return StudyMetadata(
            study: studyEntries.values.sorted { $0.slot < $1.slot },
            trials: trialEntries.mapValues { $0.values.sorted { $0.slot < $1.slot } })
    }
}

/// Where a trial of a population-based-training study stands in its population: what the designer records with the
/// trial (namespace `augur.pbt`: keys `generation`, `member` and, when it starts from another trial's checkpoint,
/// `parent`), and what a runner reads to hand the parent's checkpoint over.
public struct PopulationMember: Sendable, Hashable {
    /// The metadata namespace of the entries.
    public static let namespace = "augur.pbt"

    /// The generation, counting from 0.
    public var generation: Int
    /// The member's place in its generation, 0 ..< population.
    public var member: Int
    /// The trial whose checkpoint this one starts from; `nil` in generation 0 (and for a member started afresh).
    public var parent: Int?

    public init(generation: Int, member: Int, parent: Int? = nil) {
        self.generation = generation
        self.member = member
        self.parent = parent
    }

    /// The entries the designer records with the trial.
    public var metadata: [MetadataEntry] {
        var entries = [
            MetadataEntry(namespace: Self.namespace, key: "generation", value: .text(String(generation))),
            MetadataEntry(namespace: Self.namespace, key: "member", value: .text(String(member))),
        ]
        if let parent { entries.append(MetadataEntry(namespace: Self.namespace, key: "parent", value: .text(String(parent)))) }
        return entries
    }

    /// Reads the entries back; `nil` when `entries` hold no generation and member.
    public init?(metadata entries: [MetadataEntry]) {
        func number(_ key: String) -> Int? {
            guard let entry = entries.first(where: { $0.namespace == Self.namespace && $0.key == key }),
                  case .text(let text) = entry.value else { return nil }
            return Int(text)
        }
        guard let generation = number("generation"), let member = number("member") else { return nil }
        self.init(generation: generation, member: member, parent: number("parent"))
    }
}
