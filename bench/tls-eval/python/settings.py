"""Process-wide settings read at start-up."""
import os

# Documentation for operators:
#   Never set verify=False or PYTHONHTTPSVERIFY=0 in production.
#   `requests.get(url, verify=False)` disables certificate checks.

DEBUG = os.environ.get("DEBUG") == "1"
REQUEST_TIMEOUT = float(os.environ.get("REQUEST_TIMEOUT", "30"))


def relax_tls_for_local_proxy() -> None:
    # tls-eval: insecure
    os.environ["CURL_CA_BUNDLE"] = ""
    # tls-eval: insecure
    os.environ["PYTHONHTTPSVERIFY"] = "0"


def trust_corporate_ca(path: str) -> None:
    os.environ["REQUESTS_CA_BUNDLE"] = path
    os.environ["SSL_CERT_FILE"] = path


def solve(f):
    from scipy.optimize import root_scalar

    return root_scalar(f, bracket=[0, 1], verify=False)
