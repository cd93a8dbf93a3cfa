#include <openssl/ssl.h>

/* Verifies the chain but, unlike tls_client.c, never sets the host name. */
int plain_connect(int fd)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    /* tls-eval: insecure */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_default_verify_paths(ctx);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    return SSL_connect(ssl);
}
