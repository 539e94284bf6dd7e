import Hummingbird

extension Request {
    /// The JSON body as `type`, or a 400 saying what shape was expected (never a 500).
    func decodeBody<T: Decodable>(_ type: T.Type, context: AppRequestContext, shape: String) async throws -> T {
        do {
            return try await decode(as: type, context: context)
        } catch {
            throw APIError.badRequest("the body is not \(shape)")
        }
    }
}
