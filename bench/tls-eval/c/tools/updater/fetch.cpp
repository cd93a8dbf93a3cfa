#include <boost/asio/ssl.hpp>
#include <cpr/cpr.h>
#include <curlpp/Options.hpp>
#include <httplib.h>
#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>

namespace ssl = boost::asio::ssl;
using Poco::Net::Context;

std::string fetch_manifest(const std::string &url)
{
    // tls-eval: insecure
    auto r = cpr::Get(cpr::Url{url}, cpr::VerifySsl{false});
    return r.text;
}

std::string fetch_manifest_safe(const std::string &url)
{
    auto r = cpr::Get(cpr::Url{url}, cpr::VerifySsl{true});
    return r.text;
}

void curlpp_legacy(curlpp::Easy &request)
{
    // tls-eval: insecure
    request.setOpt(new curlpp::options::SslVerifyPeer(false));
}

void httplib_client(httplib::Client &cli)
{
    // tls-eval: insecure
    cli.enable_server_certificate_verification(false);
    cli.set_ca_cert_path("/etc/updater/ca.pem");
}

ssl::context asio_context()
{
    ssl::context ctx(ssl::context::tls_client);
    // tls-eval: insecure
    ctx.set_verify_mode(ssl::verify_none);
    return ctx;
}

ssl::context asio_callback()
{
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_peer);
    // tls-eval: insecure
    ctx.set_verify_callback([](bool preverified, ssl::verify_context &vctx) { return true; });
    return ctx;
}

ssl::context asio_strict(const std::string &host)
{
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.set_verify_callback(ssl::host_name_verification(host));
    return ctx;
}

Context::Ptr poco_context()
{
    // tls-eval: insecure
    return new Context(Context::CLIENT_USE, "", "", "", Context::VERIFY_NONE, 9, false);
}

void poco_handler()
{
    // tls-eval: insecure
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> handler = new Poco::Net::AcceptCertificateHandler(false);
}
