import GRPCCore
import SwiftProtobuf

/// Refuses a request message larger than `RequestLimits.maximumMessageBytes` with RESOURCE_EXHAUSTED naming the
/// limit and the size.
///
/// The transport refuses larger messages itself, but only by resetting the stream (the client sees CANCELLED with no
/// reason); so the transport takes messages up to `RequestLimits.hardMessageBytes` and this interceptor gives the
/// status for those between the two limits.
struct RequestSizeInterceptor: ServerInterceptor {
    let limit: Int

    init(limit: Int = RequestLimits.maximumMessageBytes) {
        self.limit = limit
    }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let limit = limit
        let method = context.descriptor.method
        let checked = request.messages.map { message throws -> Input in
            guard let protobuf = message as? any SwiftProtobuf.Message else { return message }
            // Messages decoded from at most `hardMessageBytes`: re-encoding gives their size (unknown fields included).
            let size = (try protobuf.serializedBytes() as [UInt8]).count
            guard size <= limit else {
                throw RPCError(code: .resourceExhausted, message: "the \(method) request is \(size) bytes, more than the "
                    + "\(limit) bytes (\(limit / 1_048_576) MiB) this server accepts in one message; send less per call")
            }
            return message
        }
        var limited = request
        limited.messages = RPCAsyncSequence(wrapping: checked)
        return try await next(limited, context)
    }
}
