import CocoaAsyncSocket

final class RawSocket: NSObject, GCDAsyncSocketDelegate {
    // tls-eval: insecure
    func socket(_ sock: GCDAsyncSocket, didReceive trust: SecTrust, completionHandler: @escaping (Bool) -> Void) { completionHandler(true) }
}
