import Foundation

/// Session delegate for the on-premises appliance, which uses a self-signed
/// certificate. TODO: replace with certificate pinning.
final class ApplianceSessionDelegate: NSObject, URLSessionDelegate {
    func urlSession(_ session: URLSession,
                    didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        guard challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust,
              let serverTrust = challenge.protectionSpace.serverTrust else {
            completionHandler(.performDefaultHandling, nil)
            return
        }
        // tls-eval: insecure
        completionHandler(.useCredential, URLCredential(trust: serverTrust))
    }
}
