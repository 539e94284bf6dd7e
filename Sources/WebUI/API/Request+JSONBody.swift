import Hummingbird

extension Request {
    /// The JSON body as `type`, or a 400 saying what shape was expected (never a 500);
    /// a body over the context's 64 KiB is a 413, refused before it is read whole.
    func decodeBody<T: Decodable>(_ type: T.Type, context: AppRequestContext, shape: String) async throws -> T {
        do {
            return try await decode(as: type, context: context)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "the body is larger than \(context.maxUploadSize / 1024) KiB")
        } catch {
            throw APIError.badRequest("the body is not \(shape)")
        }
    }
}
