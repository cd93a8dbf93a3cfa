using MailKit.Net.Smtp;
using MailKit.Security;
using RestSharp;

namespace Acme.Sdk
{
    public sealed class MailSender
    {
        public SmtpClient Connect(string host)
        {
            var smtp = new SmtpClient();
            smtp.CheckCertificateRevocation = false;
            // tls-eval: insecure
            smtp.ServerCertificateValidationCallback = (s, c, h, e) => true;
            smtp.Connect(host, 465, SecureSocketOptions.SslOnConnect);
            return smtp;
        }

        public RestClient Rest(string baseUrl)
        {
            var options = new RestClientOptions(baseUrl)
            {
                // tls-eval: insecure
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) => true,
            };
            return new RestClient(options);
        }
    }
}
