import AugurCore
import AugurService
import Foundation

/// Vizier's resource names, read and written: `owners/{owner}`, `owners/{owner}/studies/{study}`,
/// `owners/{owner}/studies/{study}/trials/{id}` and the suggestion operations' `owners/{owner}/operations/…`.
///
/// Vizier's client builds trial names itself from the study name the server returned, so the `{study}` part is
/// exactly Augur's study name; the owner is a namespace Vizier keeps beside it (see `VizierStudyRecord`).
public enum VizierNames {
    public struct StudyName: Sendable, Hashable {
        public var owner: String
        public var study: String

        public init(owner: String, study: String) {
            self.owner = owner
            self.study = study
        }

        public var resource: String { "owners/\(owner)/studies/\(study)" }
    }

    public struct TrialName: Sendable, Hashable {
        public var study: StudyName
        public var id: Int

        public var resource: String { "\(study.resource)/trials/\(id)" }
    }

    /// The `{owner}` of `owners/{owner}`.
    public static func parseOwner(_ resource: String, field: String) throws(ServiceError) -> String {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "owners" else {
            throw .invalidArgument("\(field) must look like `owners/{owner}`, got `\(resource.excerptForMessage)`")
        }
        return try owner(parts[1], field: field)
    }

    public static func parseStudy(_ resource: String, field: String) throws(ServiceError) -> StudyName {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "owners", parts[2] == "studies" else {
            throw .invalidArgument("\(field) must look like `owners/{owner}/studies/{study}`, got `\(resource.excerptForMessage)`")
        }
        return StudyName(owner: try owner(parts[1], field: field), study: try studyID(parts[3], field: field))
    }

    public static func parseTrial(_ resource: String, field: String) throws(ServiceError) -> TrialName {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "owners", parts[2] == "studies", parts[4] == "trials" else {
            throw .invalidArgument(
                "\(field) must look like `owners/{owner}/studies/{study}/trials/{trial}`, got `\(resource.excerptForMessage)`")
        }
        let study = StudyName(owner: try owner(parts[1], field: field), study: try studyID(parts[3], field: field))
        // As on Augur's own API: an id that is no positive number is a bad name; a positive one no store can hold names
        // no trial (the service answers NOT_FOUND).
        guard let id = Int(parts[5]), id > 0 else {
            throw .invalidArgument("\(field): the trial id must be a positive whole number, got `\(String(parts[5]).excerptForMessage)`")
        }
        return TrialName(study: study, id: id)
    }

    /// A study id by Augur's rule for study names (1 to 128 letters, digits, `-`, `_`, `.`), so that the name Vizier's
    /// client sends is the name `augur studies` shows.
    public static func studyID(_ text: Substring, field: String) throws(ServiceError) -> String {
        let name = String(text)
        if let problem = SpecValidator.nameProblem(name, what: "study id") {
            throw .invalidArgument("\(field): \(problem.dropLast())")
        }
        return name
    }

    /// An owner: 1 to 128 printable ASCII characters other than `/` and spaces.
    static func owner(_ text: Substring, field: String) throws(ServiceError) -> String {
        let owner = String(text)
        guard !owner.isEmpty, owner.utf8.count <= SpecLimits.maximumNameLength,
              owner.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
            throw .invalidArgument("\(field): the owner must be 1 to \(SpecLimits.maximumNameLength) printable ASCII characters "
                + "without `/` or spaces, got `\(owner.excerptForMessage)`")
        }
        return owner
    }

    // MARK: Suggestion operations

    /// A suggestion operation: which client asked which study, and the trials the answer held. Augur answers
    /// suggestions at once, so the operation is done when it is returned; its name carries everything needed to
    /// answer `GetOperation` again from the store, on any replica.
    public struct SuggestionOperation: Sendable, Hashable {
        public var study: StudyName
        public var client: String
        public var trials: [Int]

        public init(study: StudyName, client: String, trials: [Int]) {
            self.study = study
            self.client = client
            self.trials = trials
        }

        /// `owners/{owner}/operations/suggestion/{study}/{client, percent-encoded}/{ids joined by "-", or "none"}`.
        public var resource: String {
            let ids = trials.isEmpty ? "none" : trials.map(String.init).joined(separator: "-")
            return "owners/\(study.owner)/operations/suggestion/\(study.study)/\(VizierNames.encode(client))/\(ids)"
        }
    }

    public static func parseSuggestionOperation(_ resource: String, field: String) throws(ServiceError) -> SuggestionOperation {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "owners", parts[2] == "operations", parts[3] == "suggestion",
              let client = decode(parts[5]) else {
            throw .notFound("\(field): `\(resource.excerptForMessage)` names no operation of this server")
        }
        let study = StudyName(owner: try owner(parts[1], field: field), study: try studyID(parts[4], field: field))
        var trials: [Int] = []
        if parts[6] != "none" {
            for id in parts[6].split(separator: "-", omittingEmptySubsequences: false) {
                guard let trial = Int(id), trial > 0 else {
                    throw .notFound("\(field): `\(resource.excerptForMessage)` names no operation of this server")
                }
                trials.append(trial)
            }
        }
        return SuggestionOperation(study: study, client: client, trials: trials)
    }

    /// Percent-encodes everything but letters, digits, `-`, `_`, `.` and `~`, so that a client id with `/` stays one
    /// segment.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func decode(_ text: Substring) -> String? {
        String(text).removingPercentEncoding
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")
}
