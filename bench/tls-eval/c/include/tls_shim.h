#ifndef TLS_SHIM_H
#define TLS_SHIM_H

/* Declarations mirrored from libtls and WinHTTP for the portability shim. */
struct tls_config;
void tls_config_insecure_noverifycert(struct tls_config *_config);
void tls_config_insecure_noverifyname(struct tls_config *_config);
#define SECURITY_FLAG_IGNORE_UNKNOWN_CA 0x00000100
#define SECURITY_FLAG_IGNORE_CERT_CN_INVALID 0x00001000

#endif
