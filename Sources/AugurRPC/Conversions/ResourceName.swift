import AugurCore
import AugurService

/// Parses and formats the resource names of the API: `studies/{study}` and `studies/{study}/trials/{id}`.
public enum ResourceName {
    /// The longest study name or client id the service accepts.
    public static let maximumNameLength = SpecLimits.maximumNameLength

    /// `studies/{study}`.
    public static func study(_ name: String) -> String { "studies/\(name)" }

    /// `studies/{study}/trials/{id}`.
    public static func trial(study: String, id: Int) -> String { "studies/\(study)/trials/\(id)" }

    /// The `{study}` of `studies/{study}`.
    public static func parseStudy(_ resource: String, field: String) throws(ServiceError) -> String {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "studies" else {
            throw .invalidArgument("\(field) must look like `studies/{study}`, got `\(excerpt(resource))`")
        }
        let name = String(parts[1])
        try checkStudyName(name, field: field)
        return name
    }

    /// The study and trial id of `studies/{study}/trials/{id}`.
    public static func parseTrial(_ resource: String, field: String) throws(ServiceError) -> (study: String, id: Int) {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "studies", parts[2] == "trials" else {
            throw .invalidArgument("\(field) must look like `studies/{study}/trials/{id}`, got `\(excerpt(resource))`")
        }
        let name = String(parts[1])
        try checkStudyName(name, field: field)
        guard let id = Int(parts[3]), id > 0 else {
            throw .invalidArgument("\(field): the trial id must be a positive whole number, got `\(excerpt(String(parts[3])))`")
        }
        return (name, id)
    }

    /// A study name, by the spec's own rule (`SpecValidator.nameProblem`): 1 to 128 letters, digits, `-`, `_` and
    /// `.`, neither `.` nor `..`.
    public static func checkStudyName(_ name: String, field: String) throws(ServiceError) {
        if let problem = SpecValidator.nameProblem(name, what: "study name") {
            throw .invalidArgument("\(field): \(problem.dropLast())")
        }
    }

    /// A client id: 1 to 128 printable ASCII characters.
    public static func checkClientID(_ client: String, field: String = "client_id") throws(ServiceError) {
        guard !client.isEmpty else { throw .invalidArgument("\(field) is empty; give each worker a stable id of its own") }
        guard client.utf8.count <= maximumNameLength else {
            throw .invalidArgument("\(field) is at most \(maximumNameLength) characters, got \(client.utf8.count)")
        }
        guard client.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidArgument("\(field) may use only printable ASCII characters without spaces")
        }
    }

    /// The start of a value for an error message, so that a huge bad value does not make a huge reply.
    static func excerpt(_ text: String) -> String {
        text.excerptForMessage
    }
}
