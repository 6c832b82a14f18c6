/**
 * TLS for what leaves the platform's processes: the API (and later MQTT). A certificate and key
 * from files (STRATOS_TLS_CERT, STRATOS_TLS_KEY), or — the embedded default — a self-signed pair
 * made at first start in STRATOS_HOME/tls and kept there, which clients trust by its SHA-256
 * fingerprint (as ssh trusts a host key), printed at each start.
 */
import { certificateFingerprint, PLATFORM_HOST_NAME } from '@stratos/contracts';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';

export interface TlsPair {
  cert: string;
  key: string;
  /** SHA256:… of the certificate (DER), the form `stratos login --fingerprint` takes. */
  fingerprint: string;
  /** Where it came from: the files named, or the self-signed pair of this home. */
  source: string;
}

/** Reads a certificate and key from files; a clear error names the file that is missing or not PEM. */
export async function loadTlsPair(certFile: string, keyFile: string): Promise<TlsPair> {
  const read = async (file: string, what: string, marker: RegExp) => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`the TLS ${what} ${file} cannot be read: ${(error as Error).message}`);
    }
    if (!marker.test(text)) throw new Error(`the TLS ${what} ${file} is not PEM (no ${marker.source.replace(/\\/g, '')} block)`);
    return text;
  };
  const cert = await read(certFile, 'certificate', /-----BEGIN CERTIFICATE-----/);
  const key = await read(keyFile, 'key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  return { cert, key, fingerprint: certificateFingerprint(cert), source: certFile };
}

/** A self-signed certificate and its key, as PEM (EC P-256, ten years), for these names (DNS names and IP addresses). */
export async function selfSignedPems(commonName: string, names: string[]): Promise<{ cert: string; key: string }> {
  const { generate } = await import('selfsigned');
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 10);
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * The home's self-signed pair, made once (EC P-256, ten years, names: localhost, this host's
 * name, loopback, the name docker members reach the platform by and `hosts`). The CLI pins it
 * by fingerprint; members verify it by name (`curl --cacert`), so theirs must be among them.
 */
export async function selfSignedTlsPair(home: string, hosts: string[] = []): Promise<TlsPair> {
  const dir = join(home, 'tls');
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const names = [...new Set(['localhost', hostname(), '127.0.0.1', '::1', PLATFORM_HOST_NAME, ...hosts])];
    const pems = await selfSignedPems(`stratos ${hostname()}`, names);
    // The key first and whole (a reader never finds a certificate without its key).
    await writeFile(`${keyFile}.new`, pems.key, { mode: 0o600 });
    await rename(`${keyFile}.new`, keyFile);
    await writeFile(`${certFile}.new`, pems.cert, { mode: 0o644 });
    await rename(`${certFile}.new`, certFile);
  }
  await chmod(keyFile, 0o600);
  return loadTlsPair(certFile, keyFile);
}

/**
 * mqtt.js options that trust exactly the broker certificate in MQTT_CA_CERT (the platform's
 * self-signed pair, or the CA of the operator's broker): the certificate is the pin, so the
 * broker's address need not be among its names (members reach it at a gateway address).
 */
export function brokerTrust(caCert: string | undefined): { ca?: string; checkServerIdentity?: () => undefined } {
  return caCert ? { ca: caCert, checkServerIdentity: () => undefined } : {};
}
