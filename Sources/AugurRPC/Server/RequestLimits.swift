/// Bounds on requests, so that no client can make the server allocate or work without limit.
public enum RequestLimits {
    /// The largest request message the server accepts (4 MiB); a bigger one fails with RESOURCE_EXHAUSTED, the
    /// limit and its size in the message.
    public static let maximumMessageBytes = 4 * 1024 * 1024
    /// The largest request message the server reads at all (16 MiB): beyond it the transport resets the stream
    /// without reading the message, and the client sees CANCELLED.
    public static let hardMessageBytes = 16 * 1024 * 1024
    /// The most calls one HTTP/2 connection may have in flight at once (HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS);
    /// a client that opens more must queue them.
    public static let maximumConcurrentStreams = 1_024
    /// The most trials one SuggestTrials call may ask for.
    public static let maximumSuggestionCount = 100
    /// The most studies or trials in one page of ListStudies / ListTrials, and the default page size.
    public static let maximumPageSize = 1_000
    /// The most trials one ReleaseTrials call may name.
    public static let maximumReleasedTrials = 1_000
    /// The most unreported observations one CompleteTrial call may carry.
    public static let maximumObservations = 1_000
}
