/**
 * Trusting an API over HTTPS. A certificate an authority of this machine signed needs nothing;
 * the platform's self-signed one is pinned: `stratos login --fingerprint SHA256:…` (the
 * fingerprint `npm start` prints) fetches it, compares, and keeps it in the CLI's settings;
 * every later request trusts that certificate and no other (the host name is not checked:
 * the pin is stronger than a name).
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { certificateFingerprint, sameFingerprint } from '@stratos/contracts';

/** Error codes of certificates no authority here vouches for. */
export const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** Fetches the certificate a TLS server presents (without trusting it), as PEM. */
export function presentedCertificate(url: string, timeoutMs = 10_000): Promise<string> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port || 443), servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const raw = socket.getPeerCertificate(false)?.raw;
      socket.end();
      if (!raw) reject(new Error(`${url} presented no certificate`));
      else resolve(new X509Certificate(raw).toString());
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}

/** A dispatcher for fetch that trusts exactly this certificate. */
export function pinnedDispatcher(certificate: string): Dispatcher {
  const pinned = certificateFingerprint(certificate);
  return new Agent({
    connect: {
      ca: certificate,
      checkServerIdentity: (_host, presented) =>
        sameFingerprint(`SHA256:${presented.fingerprint256}`, pinned) ? undefined : Object.assign(new Error(`the API's certificate is ${presented.fingerprint256}, not the pinned ${pinned}`), { code: 'ERR_STRATOS_PIN' }),
    },
  });
}

/** The TLS error behind a failed fetch, if that is why it failed. */
export function tlsFailureOf(error: unknown): { code: string; message: string } | null {
  for (let cause = error as { code?: string; message?: string; cause?: unknown } | undefined; cause; cause = cause.cause as typeof cause) {
    if (cause.code && (UNTRUSTED_CERTIFICATE_CODES.has(cause.code) || cause.code === 'ERR_STRATOS_PIN' || cause.code.startsWith('ERR_TLS') || cause.code.startsWith('CERT_'))) return { code: cause.code, message: cause.message ?? cause.code };
  }
  return null;
}
