const { Pool } = require('pg');
const mongoose = require('mongoose');

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  ssl: {
    // tls-eval: insecure
    rejectUnauthorized: false,
  },
});

async function connectMongo(uri) {
  await mongoose.connect(uri, {
    tls: true,
    // tls-eval: insecure
    tlsAllowInvalidCertificates: true,
  });
}

async function connectMongoSafe(uri) {
  await mongoose.connect(uri, { tls: true, tlsCAFile: '/etc/ssl/ca.pem' });
}

// tls-eval: insecure
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
  console.warn('TLS verification is disabled for this process');
}

process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/ca.pem';

const redisTls = { rejectUnauthorized: true, servername: 'cache.internal' };

module.exports = { pool, connectMongo, connectMongoSafe, redisTls };
