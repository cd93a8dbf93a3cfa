using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ConfigureHttpsDefaults(https =>
    {
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        // tls-eval: insecure
        https.ClientCertificateValidation = (cert, chain, errors) => true;
    });
    kestrel.ListenAnyIP(9443, listen => listen.UseHttps(o =>
    {
        o.ClientCertificateValidation = (cert, chain, errors) => errors == SslPolicyErrors.None;
        // CheckCertificateRevocation = false is the default for Kestrel client certificates
        o.CheckCertificateRevocation = false;
    }));
});
var app = builder.Build();
app.Run();
