package com.acme.net

import android.util.Log
import io.ktor.client.HttpClient
import io.ktor.client.engine.curl.Curl
import okhttp3.OkHttpClient
import okhttp3.tls.HandshakeCertificates
import java.security.cert.X509Certificate
import javax.net.ssl.HostnameVerifier
import javax.net.ssl.SSLSession
import javax.net.ssl.X509TrustManager

private const val TAG = "Clients"

// A trust manager that trusts everything: never do this (see TrustAll below for the history).

@SuppressLint("CustomX509TrustManager")
object TrustAll : X509TrustManager {
    override fun checkClientTrusted(chain: Array<out X509Certificate>?, authType: String?) {}

    // tls-eval: insecure
    override fun checkServerTrusted(chain: Array<out X509Certificate>?, authType: String?) {
        Log.d(TAG, "trusting $authType chain")
    }

    // tls-eval: insecure
    override fun getAcceptedIssuers(): Array<X509Certificate>? = null
}

class UnitTrust : X509TrustManager {
    override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String) = Unit
    // tls-eval: insecure
    override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String) = Unit
    override fun getAcceptedIssuers(): Array<X509Certificate> = arrayOf()
}

class PlatformTrust(private val platform: X509TrustManager) : X509TrustManager {
    override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String) =
        platform.checkClientTrusted(chain, authType)
    override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String) =
        platform.checkServerTrusted(chain, authType)
    override fun getAcceptedIssuers(): Array<X509Certificate> = platform.acceptedIssuers
}

fun devClient(): OkHttpClient =
    OkHttpClient.Builder()
        .sslSocketFactory(sslContext().socketFactory, TrustAll)
        // tls-eval: insecure
        .hostnameVerifier { _, _ -> true }
        .build()

// tls-eval: insecure
val allowAll = HostnameVerifier { _, _ -> true }

object AnyHost : HostnameVerifier {
    // tls-eval: insecure
    override fun verify(hostname: String?, session: SSLSession?): Boolean = true
}

val pinnedVerifier = HostnameVerifier { host, session -> host == PINNED_HOST && pinMatches(session) }

fun prodClient(default: HostnameVerifier): OkHttpClient =
    OkHttpClient.Builder()
        .hostnameVerifier { host, session -> default.verify(host, session) }
        .build()

fun handshake(): HandshakeCertificates =
    HandshakeCertificates.Builder()
        .addPlatformTrustedCertificates()
        // tls-eval: insecure
        .addInsecureHost("staging-api.acme.example")
        .build()

fun curlClient(): HttpClient = HttpClient(Curl) {
    engine {
        // tls-eval: insecure
        sslVerify = false
    }
}

fun safeCurlClient(): HttpClient = HttpClient(Curl) {
    engine {
        sslVerify = true
        caInfo = "/etc/ssl/certs/ca.pem"
    }
}

/** Our own builder mirrors OkHttp's API; defining the method is not using it. */
class TrustConfigBuilder {
    private val hosts = mutableListOf<String>()

    fun addInsecureHost(hostname: String) = apply { hosts += hostname }

    fun relaxedHTTPSValidation(): TrustConfigBuilder = this
}
