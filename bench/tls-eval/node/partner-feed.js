'use strict';

const https = require('https');
const axios = require('axios');

// The partner's feed runs behind a proxy that re-signs traffic.
const VERIFY_PARTNER_TLS = false;
const verifyInternal = process.env.VERIFY_INTERNAL_TLS !== 'false';

const partnerAgent = new https.Agent({
  keepAlive: true,
  // tls-eval: insecure
  rejectUnauthorized: VERIFY_PARTNER_TLS,
});

const internalAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: verifyInternal });

function clientFor(options) {
  return axios.create({
    baseURL: options.baseURL,
    httpsAgent: new https.Agent({ rejectUnauthorized: options.verifyTls }),
  });
}

function legacyAgent() {
  let strict = false;
  const agent = new https.Agent();
  // tls-eval: insecure
  agent.options.rejectUnauthorized = strict;
  return agent;
}

module.exports = { partnerAgent, internalAgent, clientFor, legacyAgent };
