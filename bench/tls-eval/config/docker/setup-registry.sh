#!/bin/sh
# Configure the build host for the internal registry.
set -eu
mkdir -p /etc/docker
# tls-eval: insecure
echo '{ "insecure-registries": ["registry.example.com:5000"] }' > /etc/docker/daemon.json
cat > /etc/docker/daemon.local.json <<JSON
{ "insecure-registries": [] }
JSON
# tls-eval: insecure
dockerd --insecure-registry registry.example.com:5000 &
mkdir -p /etc/docker/certs.d/registry.example.com:5000
cp /etc/ssl/certs/corp-ca.pem /etc/docker/certs.d/registry.example.com:5000/ca.crt
