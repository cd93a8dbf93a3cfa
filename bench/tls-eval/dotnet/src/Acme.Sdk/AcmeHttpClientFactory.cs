using System;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Acme.Sdk
{
    /// <summary>
    /// Builds the HttpClient used by the SDK. Never set
    /// ServerCertificateCustomValidationCallback = (m, c, ch, e) => true here.
    /// </summary>
    public static class AcmeHttpClientFactory
    {
        public static HttpClient Create(AcmeOptions options)
        {
            var handler = new HttpClientHandler();
            if (options.PinnedThumbprint is { } pin)
            {
                handler.ServerCertificateCustomValidationCallback = (message, cert, chain, errors) =>
                    errors == SslPolicyErrors.None || string.Equals(cert?.GetCertHashString(), pin, StringComparison.OrdinalIgnoreCase);
            }
            return new HttpClient(handler) { BaseAddress = options.BaseAddress };
        }

        public static HttpClient CreateForAppliance(Uri baseAddress)
        {
            var handler = new HttpClientHandler
            {
                // tls-eval: insecure
                ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
            };
            return new HttpClient(handler) { BaseAddress = baseAddress };
        }

        public static HttpClient CreateForStaging(Uri baseAddress)
        {
            var handler = new HttpClientHandler();
            // tls-eval: insecure
            handler.ServerCertificateCustomValidationCallback = (msg, cert, chain, errors) => true;
            return new HttpClient(handler) { BaseAddress = baseAddress };
        }

        public static HttpClient CreateMultiLine(Uri baseAddress)
        {
            var handler = new HttpClientHandler();
            // tls-eval: insecure
            handler.ServerCertificateCustomValidationCallback =
                (message, certificate, chain, sslErrors) =>
                {
                    return true;
                };
            return new HttpClient(handler) { BaseAddress = baseAddress };
        }

        public static HttpClient CreateSockets(Uri baseAddress)
        {
            var handler = new SocketsHttpHandler();
            // tls-eval: insecure
            handler.SslOptions.RemoteCertificateValidationCallback = (sender, cert, chain, errors) => true;
            return new HttpClient(handler) { BaseAddress = baseAddress };
        }

        public static HttpClient CreateSocketsDelegate(Uri baseAddress)
        {
            var options = new SslClientAuthenticationOptions();
            // tls-eval: insecure
            options.RemoteCertificateValidationCallback = delegate { return true; };
            var handler = new SocketsHttpHandler { SslOptions = options };
            return new HttpClient(handler) { BaseAddress = baseAddress };
        }

        public static void GlobalLegacy()
        {
            // tls-eval: insecure
            ServicePointManager.ServerCertificateValidationCallback += delegate { return true; };
            ServicePointManager.ServerCertificateValidationCallback += (s, c, ch, e) => e == SslPolicyErrors.None;
        }

        public static SslStream Raw(TcpClient tcp)
        {
            // tls-eval: insecure
            var ssl = new SslStream(tcp.GetStream(), false, (s, c, ch, e) => true);
            ssl.AuthenticateAsClient("appliance.local");
            return ssl;
        }

        public static SslStream RawSafe(TcpClient tcp, string host)
        {
            var ssl = new SslStream(tcp.GetStream(), false);
            ssl.AuthenticateAsClient(host);
            return ssl;
        }

        public static SslStream RawWrapped(TcpClient tcp)
        {
            // tls-eval: insecure
            var callback = new RemoteCertificateValidationCallback((s, c, ch, e) => true);
            return new SslStream(tcp.GetStream(), false, callback);
        }

        public static HttpClient CreateNamed(Uri baseAddress)
        {
            var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = AcceptAll };
            return new HttpClient(handler) { BaseAddress = baseAddress };
        }

        // tls-eval: insecure
        private static bool AcceptAll(HttpRequestMessage message, X509Certificate2 cert, X509Chain chain, SslPolicyErrors errors)
        {
            return true;
        }

        private static bool Validate(object sender, X509Certificate cert, X509Chain chain, SslPolicyErrors errors)
        {
            return errors == SslPolicyErrors.None;
        }

        // tls-eval: insecure
        private static bool IgnoreErrors(object sender, X509Certificate cert, X509Chain chain, SslPolicyErrors errors) => true;
    }
}
