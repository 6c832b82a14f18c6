/** How a client pins a self-signed certificate: its SHA-256 fingerprint, the form ssh users know. */
import { X509Certificate } from 'node:crypto';

/** "SHA256:AB:CD:…" of a PEM or DER certificate. */
export function certificateFingerprint(certificate: string | Buffer): string {
  return `SHA256:${new X509Certificate(certificate).fingerprint256}`;
}

/** The same fingerprint in any spelling users paste: with or without "SHA256:", colons, any case. */
export function sameFingerprint(a: string, b: string): boolean {
  const norm = (f: string) => f.replace(/^sha256:/i, '').replace(/[^0-9a-f]/gi, '').toUpperCase();
  return norm(a).length === 64 && norm(a) === norm(b);
}
