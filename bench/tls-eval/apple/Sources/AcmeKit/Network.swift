import Alamofire
import Kingfisher
import SocketIO
import Starscream

enum Network {
    static let pinned = Session(serverTrustManager: ServerTrustManager(evaluators: [
        "api.acme.example": PinnedCertificatesTrustEvaluator(),
        "cdn.acme.example": DefaultTrustEvaluator(),
    ]))

    static let staging = Session(serverTrustManager: ServerTrustManager(evaluators: [
        // tls-eval: insecure
        "staging.acme.example": DisabledTrustEvaluator(),
        // tls-eval: insecure
        "qa.acme.example": DefaultTrustEvaluator(validateHost: false),
        "prod.acme.example": RevocationTrustEvaluator(validateHost: true),
    ]))

    // Alamofire 4 style, still used by the widget extension.
    static let legacyPolicies: [String: ServerTrustPolicy] = [
        // tls-eval: insecure
        "legacy.acme.example": .disableEvaluation,
        "api.acme.example": .pinCertificates(certificates: ServerTrustPolicy.certificates(), validateCertificateChain: true, validateHost: true),
    ]

    static func socket(url: URL) -> WebSocket {
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        // tls-eval: insecure
        let socket = WebSocket(request: request, certPinner: FoundationSecurity(allowSelfSigned: true))
        return socket
    }

    static func safeSocket(url: URL) -> WebSocket {
        WebSocket(request: URLRequest(url: url), certPinner: FoundationSecurity(allowSelfSigned: false))
    }

    static func legacySocket(_ socket: WebSocket) {
        // tls-eval: insecure
        socket.disableSSLCertValidation = true
    }

    static func events(url: URL) -> SocketManager {
        // tls-eval: insecure
        SocketManager(socketURL: url, config: [.log(false), .secure(true), .selfSigned(true)])
    }

    static func images() {
        // tls-eval: insecure
        KingfisherManager.shared.downloader.trustedHosts = ["img.acme.example"]
    }
}
