/// Bounds on requests, so that no client can make the server allocate or work without limit.
public enum RequestLimits {
    /// The largest request message the server accepts (bigger ones fail with RESOURCE_EXHAUSTED before decoding).
    public static let maximumMessageBytes = 4 * 1024 * 1024
    /// The most trials one SuggestTrials call may ask for.
    public static let maximumSuggestionCount = 100
    /// The most studies or trials in one page of ListStudies / ListTrials, and the default page size.
    public static let maximumPageSize = 1_000
    /// The most trials one ReleaseTrials call may name.
    public static let maximumReleasedTrials = 1_000
    /// The most unreported observations one CompleteTrial call may carry.
    public static let maximumObservations = 1_000
    /// The longest reason text (stop, fail, infeasible) the server stores; longer ones are cut.
    public static let maximumReasonLength = 4_096
}
