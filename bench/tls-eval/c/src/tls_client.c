#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"

/* tls-eval: insecure */
static int accept_any(int preverify_ok, X509_STORE_CTX *store)
{
    (void)preverify_ok;
    (void)store;
    return 1;
}

static int log_and_keep(int preverify_ok, X509_STORE_CTX *store)
{
    if (!preverify_ok)
        log_warn("verify error %d", X509_STORE_CTX_get_error(store));
    return preverify_ok;
}

SSL_CTX *tls_client_ctx(int insecure)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    if (insecure) {
        /* tls-eval: insecure */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, log_and_keep);
        SSL_CTX_set_default_verify_paths(ctx);
    }
    return ctx;
}

SSL_CTX *tls_lab_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
    return ctx;
}

int tls_connect(SSL_CTX *ctx, int fd, const char *host)
{
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);
    return SSL_connect(ssl);
}
