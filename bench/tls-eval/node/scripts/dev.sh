#!/usr/bin/env bash
set -euo pipefail
# Start the dev server against the staging API.
# tls-eval: insecure
export NODE_TLS_REJECT_UNAUTHORIZED=0
export NODE_EXTRA_CA_CERTS=./certs/staging-ca.pem
# NODE_TLS_REJECT_UNAUTHORIZED=false does nothing: only 0 disables checks
NODE_TLS_REJECT_UNAUTHORIZED=1 npm run build
export NODE_TLS_REJECT_UNAUTHORIZED="0\""
if [ "${NODE_TLS_REJECT_UNAUTHORIZED:-1}" = "0" ]; then echo "TLS checks are off"; fi
# tls-eval: insecure
deno run --allow-net --unsafely-ignore-certificate-errors=api.example.com tools/sync.ts
deno run --allow-net --cert ./certs/staging-ca.pem tools/sync.ts
npm install strict-ssl false
