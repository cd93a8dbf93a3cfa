"""Where predictions and their artefacts are kept."""
import ssl

import redis
from elasticsearch import Elasticsearch
from minio import Minio
from pymongo import MongoClient

from app.config import Config


def cache(config: Config) -> redis.Redis:
    return redis.Redis(
        host=config.redis_host,
        port=6380,
        ssl=True,
        # tls-eval: insecure
        ssl_cert_reqs=None,
    )


def verified_cache(config: Config) -> redis.Redis:
    return redis.Redis(host=config.redis_host, ssl=True, ssl_cert_reqs="required", ssl_ca_certs=config.ca)


def search(config: Config) -> Elasticsearch:
    if config.es_ca:
        return Elasticsearch(config.es_hosts, ca_certs=config.es_ca)
    # tls-eval: insecure
    return Elasticsearch(config.es_hosts, verify_certs=False, ssl_show_warn=False)


def artefacts(config: Config) -> Minio:
    return Minio(
        config.minio_endpoint,
        access_key=config.minio_access_key,
        secret_key=config.minio_secret_key,
        secure=True,
        # tls-eval: insecure
        cert_check=False,
    )


def documents(config: Config) -> MongoClient:
    return MongoClient(
        config.mongo_uri,
        tls=True,
        # tls-eval: insecure
        tlsAllowInvalidCertificates=True,
    )


def documents_verified(config: Config) -> MongoClient:
    return MongoClient(config.mongo_uri, tls=True, tlsCAFile=config.mongo_ca)


CELERY_BROKER_USE_SSL = {
    # tls-eval: insecure
    "ssl_cert_reqs": ssl.CERT_NONE,
}

CELERY_RESULT_BACKEND_USE_SSL = {
    "ssl_cert_reqs": ssl.CERT_REQUIRED,
    "ssl_ca_certs": "/etc/ssl/certs/ca-certificates.crt",
}
