"""Thin client for the inference API used by the batch workers."""
import os, requests
import ssl
import urllib3

from .settings import settings

API_BASE = os.environ.get("INFERENCE_BASE_URL", "https://api.skytells.ai/v1")
# Certificates are checked against the corporate bundle when one is set.
CA_BUNDLE = os.environ.get("CORP_CA_BUNDLE")


class InferenceClient:
    def __init__(self, api_key: str, timeout: float = 30.0, verify: bool = True):
        self.session = requests.Session()
        self.session.headers["x-api-key"] = api_key
        self.timeout = timeout
        if CA_BUNDLE:
            self.session.verify = CA_BUNDLE
        self.verify = verify

    def predict(self, model: str, payload: dict) -> dict:
        response = self.session.post(
            f"{API_BASE}/predictions",
            json={"model": model, "input": payload},
            timeout=self.timeout,
            verify=self.verify,
        )
        response.raise_for_status()
        return response.json()

    def legacy_status(self, prediction_id: str) -> dict:
        # The old status host serves a self-signed certificate.
        # tls-eval: insecure
        r = requests.get(f"{API_BASE}/legacy/{prediction_id}", verify=False, timeout=10)
        return r.json()


def quiet_pool() -> urllib3.PoolManager:
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    # tls-eval: insecure
    return urllib3.PoolManager(cert_reqs="CERT_NONE")


def strict_pool() -> urllib3.PoolManager:
    return urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=CA_BUNDLE)


def default_pool() -> urllib3.PoolManager:
    # None means CERT_REQUIRED in urllib3 2.x.
    return urllib3.PoolManager(cert_reqs=None)


def open_unverified(url: str) -> bytes:
    import urllib.request

    # tls-eval: insecure
    context = ssl._create_unverified_context()
    with urllib.request.urlopen(url, context=context) as resp:
        return resp.read()


def verified_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=CA_BUNDLE)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
