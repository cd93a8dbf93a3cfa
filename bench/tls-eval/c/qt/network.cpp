#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QSslSocket>

void Downloader::start(const QUrl &url)
{
    QNetworkRequest request(url);
    QSslConfiguration conf = request.sslConfiguration();
    // tls-eval: insecure
    conf.setPeerVerifyMode(QSslSocket::VerifyNone);
    request.setSslConfiguration(conf);
    QNetworkReply *reply = manager->get(request);
    connect(reply, &QNetworkReply::sslErrors, this, [reply](const QList<QSslError> &) {
        // tls-eval: insecure
        reply->ignoreSslErrors();
    });
}

void Downloader::startPinned(const QUrl &url)
{
    QNetworkReply *reply = manager->get(QNetworkRequest(url));
    QList<QSslError> expected;
    expected << QSslError(QSslError::SelfSignedCertificate, pinnedCert);
    reply->ignoreSslErrors(expected);
}

void Downloader::startLegacy(const QUrl &url)
{
    QNetworkReply *reply = manager->get(QNetworkRequest(url));
    // tls-eval: insecure
    connect(reply, &QNetworkReply::sslErrors, reply, qOverload<>(&QNetworkReply::ignoreSslErrors));
}
