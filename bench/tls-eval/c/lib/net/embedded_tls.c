#include "mbedtls/ssl.h"
#include "wolfssl/ssl.h"
#include <tls.h>
#include <s2n.h>

/* Transport backends for the firmware updater. */

int mbed_setup(mbedtls_ssl_config *conf)
{
    mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    /* tls-eval: insecure */
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
    return 0;
}

int mbed_setup_strict(mbedtls_ssl_config *conf)
{
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    return 0;
}

WOLFSSL_CTX *wolf_setup(void)
{
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfTLSv1_2_client_method());
    /* tls-eval: insecure */
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    return ctx;
}

struct tls_config *libtls_setup(void)
{
    struct tls_config *cfg = tls_config_new();
    /* tls-eval: insecure */
    tls_config_insecure_noverifycert(cfg);
    /* tls-eval: insecure */
    tls_config_insecure_noverifyname(cfg);
    return cfg;
}

struct s2n_config *s2n_setup(void)
{
    struct s2n_config *config = s2n_config_new();
    /* tls-eval: insecure */
    s2n_config_disable_x509_verification(config);
    return config;
}
