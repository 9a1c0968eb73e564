import AugurCore
import AugurStorage
import Hummingbird

/// Parsing of the API's query parameters; every bad value is a 400 naming the parameter.
struct QueryParameters {
    let request: Request

    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init)
    }

    /// An integer in `range`, or `defaultValue` when absent.
    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(DashboardError) -> Int {
        guard let text = string(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw .badParameter(name, text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A number in `range` (exclusive of 0 when the range starts above it), or `defaultValue` when absent.
    func number(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(DashboardError) -> Double {
        guard let text = string(name) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw .badParameter(name, text, expected: "a number from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))")
        }
        return value
    }

    /// `state=COMPLETED,FAILED` (case-insensitive, comma-separated, repeatable); `nil` when absent (every state).
    func states() throws(DashboardError) -> Set<TrialState>? {
        let values = request.uri.queryParameters[values: "state"].flatMap { $0.split(separator: ",") }
        guard !values.isEmpty else { return nil }
        var states = Set<TrialState>()
        for value in values {
            guard let state = TrialState(userText: String(value)) else {
                throw .badParameter("state", value, expected: "one or more of " + TrialState.allCases.map(\.rawValue).joined(separator: ", "))
            }
            states.insert(state)
        }
        return states
    }

    /// The trial order: `sort=id` (creation order, the default) or `sort=METRIC` with `order=asc|desc` (default: the
    /// objective's goal for the objective metric, ascending for another metric). Trials without the metric come last.
    func trialOrder(for spec: StudySpec) throws(DashboardError) -> TrialQuery.Order {
        let sort = string("sort") ?? "id"
        let direction = string("order")
        if let direction, direction != "asc", direction != "desc" {
            throw .badParameter("order", direction, expected: "asc or desc")
        }
        if sort == "id" {
            if direction == "desc" { throw .badParameter("order", "desc", expected: "asc (trials are listed by id in creation order only)") }
            return .id
        }
        let metrics = spec.objective.allMetricNames
        guard metrics.contains(sort) else {
            throw .badParameter("sort", sort, expected: "id or one of the study's metrics: " + metrics.joined(separator: ", "))
        }
        let goal: ObjectiveGoal
        switch direction {
        case "asc": goal = .minimize
        case "desc": goal = .maximize
        default: goal = sort == spec.objective.metric ? spec.objective.goal : .minimize
        }
        // The objective in its own direction is the stores' indexed ranking; any other order reads each trial's metric.
        if sort == spec.objective.metric, goal == spec.objective.goal { return .objective }
        return .metric(sort, goal)
    }

    /// The offset a `page_token` stands for (0 when absent). Tokens are opaque to clients; they are `o<offset>`.
    func pageOffset() throws(DashboardError) -> Int {
        guard let token = string("page_token"), !token.isEmpty else { return 0 }
        guard token.first == "o", let offset = Int(token.dropFirst()), offset >= 0 else {
            throw .badParameter("page_token", token, expected: "a next_page_token from an earlier reply")
        }
        return offset
    }

    static func pageToken(offset: Int) -> String { "o\(offset)" }
}
