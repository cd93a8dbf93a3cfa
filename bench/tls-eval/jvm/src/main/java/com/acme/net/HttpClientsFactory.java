package com.acme.net;

import java.io.File;
import java.util.Properties;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.vertx.ext.web.client.WebClientOptions;
import okhttp3.OkHttpClient;
import okhttp3.internal.tls.OkHostnameVerifier;
import org.apache.commons.mail.HtmlEmail;
import org.apache.cxf.configuration.jsse.TLSClientParameters;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.conn.ssl.TrustAllStrategy;
import org.apache.http.conn.ssl.TrustSelfSignedStrategy;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.ssl.SSLContexts;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import kong.unirest.Unirest;

/** Factory for the HTTP clients used by the sync jobs. */
public final class HttpClientsFactory {

    public CloseableHttpClient appliance() throws Exception {
        SSLContext ctx = SSLContexts.custom()
                // tls-eval: insecure
                .loadTrustMaterial(null, TrustAllStrategy.INSTANCE)
                .build();
        return HttpClients.custom()
                .setSSLContext(ctx)
                // tls-eval: insecure
                .setSSLHostnameVerifier(NoopHostnameVerifier.INSTANCE)
                .build();
    }

    public CloseableHttpClient selfSigned() throws Exception {
        // tls-eval: insecure
        SSLContext ctx = SSLContexts.custom().loadTrustMaterial(new TrustSelfSignedStrategy()).build();
        // tls-eval: insecure
        SSLConnectionSocketFactory f = new SSLConnectionSocketFactory(ctx, SSLConnectionSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER);
        return HttpClients.custom().setSSLSocketFactory(f).build();
    }

    public CloseableHttpClient lambdaStrategy() throws Exception {
        // tls-eval: insecure
        SSLContext ctx = SSLContexts.custom().loadTrustMaterial(null, (chain, authType) -> true).build();
        return HttpClients.custom().setSSLContext(ctx).build();
    }

    public CloseableHttpClient pinned(File trustStore, char[] password) throws Exception {
        SSLContext ctx = SSLContexts.custom().loadTrustMaterial(trustStore, password).build();
        return HttpClients.custom().setSSLContext(ctx).build();
    }

    public SslContext netty() throws Exception {
        return SslContextBuilder.forClient()
                // tls-eval: insecure
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();
    }

    public SslContext nettySafe(File ca) throws Exception {
        return SslContextBuilder.forClient().trustManager(ca).build();
    }

    public OkHttpClient okhttp() {
        return new OkHttpClient.Builder()
                // tls-eval: insecure
                .hostnameVerifier((hostname, session) -> true)
                .build();
    }

    public OkHttpClient okhttpSafe() {
        return new OkHttpClient.Builder().hostnameVerifier(OkHostnameVerifier.INSTANCE).build();
    }

    public WebClientOptions vertx() {
        return new WebClientOptions()
                .setSsl(true)
                // tls-eval: insecure
                .setTrustAll(true)
                // tls-eval: insecure
                .setVerifyHost(false);
    }

    public WebClientOptions vertxSafe() {
        return new WebClientOptions().setSsl(true).setTrustAll(false).setVerifyHost(true);
    }

    public void unirest() {
        // tls-eval: insecure
        Unirest.config().verifySsl(false);
    }

    public Document scrape(String url) throws Exception {
        // tls-eval: insecure
        return Jsoup.connect(url).validateTLSCertificates(false).get();
    }

    public void cxf(TLSClientParameters tls) {
        // tls-eval: insecure
        tls.setDisableCNCheck(true);
    }

    public void cxfSafe(TLSClientParameters tls) {
        tls.setDisableCNCheck(false);
    }

    public HtmlEmail email() throws Exception {
        HtmlEmail email = new HtmlEmail();
        email.setHostName("smtp.example.com");
        email.setSSLOnConnect(true);
        // tls-eval: insecure
        email.setSSLCheckServerIdentity(false);
        return email;
    }

    public Properties mail() {
        Properties props = new Properties();
        props.put("mail.smtp.starttls.enable", "true");
        // tls-eval: insecure
        props.put("mail.smtp.ssl.trust", "*");
        props.put("mail.smtps.ssl.checkserveridentity", "true");
        return props;
    }

    public Properties kafka() {
        Properties props = new Properties();
        props.put("security.protocol", "SSL");
        // tls-eval: insecure
        props.put("ssl.endpoint.identification.algorithm", "");
        return props;
    }

    public void jdkClient() {
        // tls-eval: insecure
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        System.setProperty("jdk.httpclient.HttpClient.log", "errors");
    }

    @SuppressWarnings("deprecation")
    public SSLSocketFactory androidStyle() {
        // tls-eval: insecure
        return android.net.SSLCertificateSocketFactory.getInsecure(0, null);
    }
}
