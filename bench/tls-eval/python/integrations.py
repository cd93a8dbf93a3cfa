"""Integrations enabled per deployment: vault, VMware, gitlab, tornado callbacks, mail."""
import ssl

import gitlab
import httplib2
import hvac
import requests as rq
from fastapi_mail import ConnectionConfig
from ldap3 import Server, Tls
from pyVim.connect import SmartConnect
from tornado.httpclient import AsyncHTTPClient
import urllib3

VERIFY_VAULT = False


def vault(url: str, token: str) -> hvac.Client:
    # tls-eval: insecure
    return hvac.Client(url=url, token=token, verify=VERIFY_VAULT)


def vault_verified(url: str, token: str, ca: str) -> hvac.Client:
    return hvac.Client(url=url, token=token, verify=ca)


def repo_client(url: str, token: str) -> gitlab.Gitlab:
    # tls-eval: insecure
    return gitlab.Gitlab(url, private_token=token, ssl_verify=False)


def discovery() -> httplib2.Http:
    # tls-eval: insecure
    return httplib2.Http(timeout=10, disable_ssl_certificate_validation=True)


def vcenter(host: str, user: str, password: str):
    return SmartConnect(
        host=host,
        user=user,
        pwd=password,
        # tls-eval: insecure
        disableSslCertValidation=True,
    )


async def callback(url: str, body: bytes) -> None:
    client = AsyncHTTPClient()
    # tls-eval: insecure
    await client.fetch(url, method="POST", body=body, validate_cert=False)


async def callback_verified(url: str, body: bytes, ca: str) -> None:
    await AsyncHTTPClient().fetch(url, method="POST", body=body, ca_certs=ca)


mail = ConnectionConfig(
    MAIL_SERVER="smtp.internal",
    MAIL_PORT=465,
    MAIL_SSL_TLS=True,
    # tls-eval: insecure
    VALIDATE_CERTS=False,
)


def directory_server(host: str) -> Server:
    # tls-eval: insecure
    tls = Tls(validate=ssl.CERT_NONE, version=ssl.PROTOCOL_TLS_CLIENT)
    return Server(host, use_ssl=True, tls=tls)


def directory_server_verified(host: str, ca: str) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca)
    return Server(host, use_ssl=True, tls=tls)


def pool_for(host: str) -> urllib3.HTTPSConnectionPool:
    # tls-eval: insecure
    return urllib3.HTTPSConnectionPool(host, port=443, assert_hostname=False)


def legacy_pool() -> urllib3.PoolManager:
    # tls-eval: insecure
    return urllib3.PoolManager(cert_reqs="NONE")


def status(url: str) -> int:
    # tls-eval: insecure
    return rq.head(url, verify=False).status_code


def patch_stdlib() -> None:
    # tls-eval: insecure
    ssl._create_default_https_context = ssl._create_unverified_context


def gitlab_verified(url: str, token: str, ca: str) -> gitlab.Gitlab:
    return gitlab.Gitlab(url, private_token=token, ssl_verify=ca)
