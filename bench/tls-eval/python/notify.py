"""Mail, chat and directory integrations for finished predictions."""
import smtplib
import ssl

import httpx
import ldap
import pycurl
import websocket
from kubernetes import client as k8s

from app.config import Config


def send_mail(config: Config, to: str, body: str) -> None:
    with smtplib.SMTP(config.smtp_host, 587) as server:
        # tls-eval: insecure
        server.starttls()
        server.login(config.smtp_user, config.smtp_password)
        server.sendmail(config.smtp_from, [to], body)


def send_mail_verified(config: Config, to: str, body: str) -> None:
    with smtplib.SMTP(config.smtp_host, 587) as server:
        server.starttls(context=ssl.create_default_context())
        server.sendmail(config.smtp_from, [to], body)


async def post_webhook(url: str, payload: dict) -> None:
    # tls-eval: insecure
    async with httpx.AsyncClient(verify=False, timeout=5) as client:
        await client.post(url, json=payload)


async def post_webhook_verified(url: str, payload: dict, ca: str) -> None:
    async with httpx.AsyncClient(verify=ca, timeout=5) as client:
        await client.post(url, json=payload)


def directory(config: Config):
    # tls-eval: insecure
    ldap.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_NEVER)
    conn = ldap.initialize(config.ldap_url)
    conn.simple_bind_s(config.ldap_user, config.ldap_password)
    return conn


def directory_verified(config: Config):
    ldap.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    return ldap.initialize(config.ldap_url)


def fetch_with_curl(url: str) -> None:
    c = pycurl.Curl()
    c.setopt(pycurl.URL, url)
    # tls-eval: insecure
    c.setopt(pycurl.SSL_VERIFYPEER, 0)
    c.perform()


def stream_events(url: str) -> None:
    ws = websocket.WebSocketApp(url)
    # tls-eval: insecure
    ws.run_forever(sslopt={"cert_reqs": ssl.CERT_NONE})


def cluster(config: Config) -> k8s.CoreV1Api:
    configuration = k8s.Configuration()
    configuration.host = config.k8s_host
    # tls-eval: insecure
    configuration.verify_ssl = False
    return k8s.CoreV1Api(k8s.ApiClient(configuration))


def cluster_verified(config: Config) -> k8s.CoreV1Api:
    configuration = k8s.Configuration()
    configuration.verify_ssl = True
    configuration.ssl_ca_cert = config.k8s_ca
    return k8s.CoreV1Api(k8s.ApiClient(configuration))
