/*
 * http_client.c - minimal libcurl wrapper for the telemetry agent.
 *
 * Never ship CURLOPT_SSL_VERIFYPEER set to 0L: point CURLOPT_CAINFO at
 * the bundled CA instead.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct buffer {
    char *data;
    size_t len;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct buffer *buf = userdata;
    size_t n = size * nmemb;
    char *grown = realloc(buf->data, buf->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + buf->len, ptr, n);
    buf->data = grown;
    buf->len += n;
    buf->data[buf->len] = '\0';
    return n;
}

int http_get(const struct agent_config *cfg, const char *url, struct buffer *out)
{
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYSTATUS, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_OPTIONS, CURLSSLOPT_NO_REVOKE);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, cfg->verify_tls ? 1L : 0L);
    if (cfg->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    return rc == CURLE_OK ? 0 : -1;
}

int http_get_appliance(const char *url, struct buffer *out)
{
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    /* the appliance has a self-signed certificate */
    /* tls-eval: insecure */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    /* tls-eval: insecure */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    return rc == CURLE_OK ? 0 : -1;
}

int http_get_via_proxy(const char *url, const char *proxy)
{
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROXY, proxy);
    /* tls-eval: insecure */
    curl_easy_setopt(h, CURLOPT_PROXY_SSL_VERIFYPEER, FALSE);
    curl_easy_setopt(h,
                     /* tls-eval: insecure */
                     CURLOPT_DOH_SSL_VERIFYHOST,
                     (long)0);
    /* tls-eval: insecure */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 1L);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    return rc == CURLE_OK ? 0 : -1;
}
