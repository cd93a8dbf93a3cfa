import https from 'node:https';
import tls from 'node:tls';
import fs from 'node:fs';
import axios from 'axios';
import got from 'got';
import { Agent, fetch as undiciFetch } from 'undici';
import superagent from 'superagent';
import request from 'request';
import { Curl } from 'node-libcurl';

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  caFile?: string;
  /** Set rejectUnauthorized: false only against a local stub. */
  allowSelfSigned?: boolean;
}

const headers = (o: ClientOptions) => ({ 'x-api-key': o.apiKey });

export function secureAgent(o: ClientOptions) {
  return new https.Agent({
    ca: o.caFile ? fs.readFileSync(o.caFile) : undefined,
    rejectUnauthorized: true,
  });
}

export function legacyAgent() {
  // tls-eval: insecure
  return new https.Agent({ keepAlive: true, rejectUnauthorized: false });
}

export const axiosClient = (o: ClientOptions) =>
  axios.create({
    baseURL: o.baseUrl,
    headers: headers(o),
    httpsAgent: new https.Agent({
      keepAlive: true,
      // tls-eval: insecure
      rejectUnauthorized: false,
    }),
  });

export const gotClient = (o: ClientOptions) =>
  got.extend({
    prefixUrl: o.baseUrl,
    headers: headers(o),
    // tls-eval: insecure
    https: { rejectUnauthorized: false },
  });

export const undiciAgent = new Agent({
  connect: {
    // tls-eval: insecure
    rejectUnauthorized: false,
  },
});

export async function fetchWithUndici(url: string) {
  return undiciFetch(url, { dispatcher: undiciAgent });
}

export function rawSocket(host: string) {
  return tls.connect({
    host,
    port: 443,
    servername: host,
    // tls-eval: insecure
    checkServerIdentity: () => undefined,
  });
}

export function patchGlobalAgent() {
  // tls-eval: insecure
  https.globalAgent.options.rejectUnauthorized = false;
}

export function legacyRequest(o: ClientOptions) {
  // tls-eval: insecure
  return request.defaults({ baseUrl: o.baseUrl, headers: headers(o), strictSSL: false });
}

export async function superagentCall(o: ClientOptions) {
  return superagent
    .get(`${o.baseUrl}/v1/models`)
    .set(headers(o))
    // tls-eval: insecure
    .disableTLSCerts();
}

export function curlCall(url: string) {
  const curl = new Curl();
  curl.setOpt('URL', url);
  // tls-eval: insecure
  curl.setOpt(Curl.option.SSL_VERIFYPEER, false);
  curl.setOpt(Curl.option.SSL_VERIFYHOST, 2);
  return curl;
}

export function optIn(o: ClientOptions) {
  return new https.Agent({ rejectUnauthorized: !o.allowSelfSigned });
}

export function strictRequest(o: ClientOptions) {
  return request.defaults({ baseUrl: o.baseUrl, strictSSL: true });
}

export function strictSocket(host: string) {
  return tls.connect({
    host,
    port: 443,
    checkServerIdentity: (h, cert) => tls.checkServerIdentity(h, cert),
  });
}

export const cookieOptions = { secure: false, httpOnly: true, sameSite: 'lax' as const };
export const docs = 'Never pass rejectUnauthorized: false in production.';
