#!/usr/bin/env bash
# Bootstraps a build agent behind the corporate proxy.
set -euo pipefail

CA_BUNDLE=/etc/ssl/certs/corp-ca.pem

# tls-eval: insecure
curl -fsSLk https://tools.example.com/install.sh -o /tmp/install.sh
curl -fsSL --cacert "$CA_BUNDLE" https://tools.example.com/install.sh -o /tmp/install2.sh
curl -K ./curl.cfg https://tools.example.com/manifest.json
# tls-eval: insecure
curl -fsSL \
  -H "x-api-key: ${API_KEY}" \
  --insecure \
  https://api.example.com/v1/status
# tls-eval: insecure
echo insecure >> ~/.curlrc
echo "cacert = $CA_BUNDLE" >> ~/.curlrc

# tls-eval: insecure
wget -q --no-check-certificate -O /tmp/tool.tgz https://tools.example.com/tool.tgz
wget -q --ca-certificate="$CA_BUNDLE" -O /tmp/tool2.tgz https://tools.example.com/tool.tgz
wget -k -r https://docs.example.com/

# tls-eval: insecure
git config --global http.sslVerify false
git config --global http.sslCAInfo "$CA_BUNDLE"
# tls-eval: insecure
git config --global http.https://git.example.com/.sslVerify false
# tls-eval: insecure
export GIT_SSL_NO_VERIFY=false
unset GIT_SSL_NO_VERIFY
if [ -n "${GIT_SSL_NO_VERIFY:-}" ]; then echo "git TLS checks are off"; fi
git commit --no-verify -m "chore: bump"

# tls-eval: insecure
npm config set strict-ssl false
npm config set cafile "$CA_BUNDLE"
npm install strict-ssl false
# tls-eval: insecure
yarn config set strict-ssl false -g
# tls-eval: insecure
pnpm install --no-strict-ssl
# tls-eval: insecure
export NPM_CONFIG_STRICT_SSL=false
export NPM_CONFIG_CAFILE="$CA_BUNDLE"

# tls-eval: insecure
pip install --trusted-host pypi.example.com -r requirements.txt
pip install --cert "$CA_BUNDLE" -r requirements.txt
pip install --trusted-host localhost:8080 -r requirements-dev.txt
# tls-eval: insecure
uv pip install --allow-insecure-host pypi.example.com -r requirements.txt
# tls-eval: insecure
conda config --set ssl_verify false
conda config --set ssl_verify "$CA_BUNDLE"
# tls-eval: insecure
poetry config certificates.internal.cert false
# tls-eval: insecure
bundle config set --global ssl_verify_mode 0
# tls-eval: insecure
composer config -g disable-tls true
composer config -g cafile "$CA_BUNDLE"
# tls-eval: insecure
GOINSECURE=git.example.com go mod download
GOPRIVATE=git.example.com go mod download
# tls-eval: insecure
mvn -B -Dmaven.wagon.http.ssl.insecure=true package
mvn -B -Djavax.net.ssl.trustStore=/etc/ssl/corp.jks package

# tls-eval: insecure
export VAULT_SKIP_VERIFY=true
export VAULT_CACERT="$CA_BUNDLE"
# tls-eval: insecure
aws s3 sync ./dist s3://artifacts/app --no-verify-ssl
aws s3 sync ./dist s3://artifacts/app --ca-bundle "$CA_BUNDLE"
# tls-eval: insecure
helm upgrade --install app ./chart --kube-insecure-skip-tls-verify
# tls-eval: insecure
kubectl --insecure-skip-tls-verify get pods
kubectl --insecure-skip-tls-verify=false get pods
# tls-eval: insecure
argocd login argocd.example.com --insecure --username ci
# tls-eval: insecure
http --verify=no https://api.example.com/health
http --verify="$CA_BUNDLE" https://api.example.com/health
# tls-eval: insecure
LDAPTLS_REQCERT=never ldapsearch -H ldaps://ldap.example.com -b dc=example,dc=com
# tls-eval: insecure
export CURL_CA_BUNDLE=""
export CURL_CA_BUNDLE="$CA_BUNDLE"
# tls-eval: insecure
skopeo copy --src-tls-verify=false docker://registry.example.com/app:1 docker://mirror.example.com/app:1
echo "Remember: never use curl -k or GIT_SSL_NO_VERIFY"
