package acme

import java.security.cert.X509Certificate
import javax.net.ssl.{HttpsURLConnection, SSLSession, X509TrustManager}

object Tls {
  object Blind extends X509TrustManager {
    override def checkClientTrusted(chain: Array[X509Certificate], authType: String): Unit = ()
    // tls-eval: insecure
    override def checkServerTrusted(chain: Array[X509Certificate], authType: String): Unit = ()
    override def getAcceptedIssuers: Array[X509Certificate] = Array.empty
  }

  def relax(conn: HttpsURLConnection): Unit = {
    // tls-eval: insecure
    conn.setHostnameVerifier((_: String, _: SSLSession) => true)
  }

  def strict(conn: HttpsURLConnection, host: String): Unit =
    conn.setHostnameVerifier((h: String, _: SSLSession) => h == host)
}
