package com.acme.net;

import java.net.Socket;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helpers for the on-premises appliance, which ships a self-signed certificate. */
public final class InsecureSsl {

    private static final Logger LOG = LoggerFactory.getLogger(InsecureSsl.class);

    private InsecureSsl() {
    }

    /** Trusts everything. Used by the appliance importer. */
    static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        // tls-eval: insecure
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            // accept
        }

        @Override
        // tls-eval: insecure
        public X509Certificate[] getAcceptedIssuers() {
            return null;
        }
    }

    static final class LoggingTrustManager extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        // tls-eval: insecure
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            LOG.debug("server presented {}", chain[0].getSubjectX500Principal());
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        // tls-eval: insecure
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            return;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        // tls-eval: insecure
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    public static SSLContext trustAllContext() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
        return ctx;
    }

    public static void disableHostnameChecks() {
        // tls-eval: insecure
        HttpsURLConnection.setDefaultHostnameVerifier((hostname, session) -> true);
    }

    public static void typedLambda(HttpsURLConnection conn) {
        // tls-eval: insecure
        conn.setHostnameVerifier((String h, SSLSession s) -> true);
    }

    public static void nullVerifier(HttpsURLConnection conn) {
        // tls-eval: insecure
        conn.setHostnameVerifier(new NullHostnameVerifier());
    }

    public static void anonymous(HttpsURLConnection conn) {
        conn.setHostnameVerifier(new HostnameVerifier() {
            @Override
            // tls-eval: insecure
            public boolean verify(final String hostname, final SSLSession session) {
                return true;
            }
        });
    }

    /** Named verifier kept for the old importer. */
    static final class NullHostnameVerifier implements HostnameVerifier {
        @Override
        // tls-eval: insecure
        public boolean verify(String hostname, SSLSession session) { return true; }
    }

    /** Restricts the appliance to its own host name: this one is fine. */
    static final class ApplianceVerifier implements HostnameVerifier {
        private final String expected;

        ApplianceVerifier(String expected) {
            this.expected = expected;
        }

        @Override
        public boolean verify(String hostname, SSLSession session) {
            return hostname.equalsIgnoreCase(expected);
        }
    }

    public static void restore() {
        HttpsURLConnection.setDefaultHostnameVerifier(HttpsURLConnection.getDefaultHostnameVerifier());
    }
}
