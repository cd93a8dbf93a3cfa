using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.ServiceModel;
using System.ServiceModel.Security;

namespace Acme.Legacy
{
    // Kept for the .NET Framework 2.0 integration.
    internal sealed class TrustAllPolicy : ICertificatePolicy
    {
        // tls-eval: insecure
        public bool CheckValidationResult(ServicePoint sp, X509Certificate cert, WebRequest request, int problem)
        {
            return true;
        }
    }

    internal static class Wcf
    {
        public static void Configure(ChannelFactory<IInventory> factory)
        {
            var creds = factory.Credentials;
            // tls-eval: insecure
            creds.ServiceCertificate.SslCertificateAuthentication = new X509ServiceCertificateAuthentication { CertificateValidationMode = X509CertificateValidationMode.None };
            creds.ServiceCertificate.Authentication.CertificateValidationMode = X509CertificateValidationMode.ChainTrust;
        }
    }

    internal static class Db
    {
        // tls-eval: insecure
        public const string Reporting = "Server=reports.internal;Database=reports;Encrypt=True;TrustServerCertificate=True";
        public const string Orders = "Server=orders.internal;Database=orders;Encrypt=True;TrustServerCertificate=False";
    }
}
