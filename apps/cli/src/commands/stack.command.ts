/**
 * `stratos stack secrets`: the Swarm secrets deploy/swarm/stack.yml runs on — passwords, the key
 * that seals secrets at rest, a self-signed TLS pair naming the public address — made at random,
 * straight into the swarm (DOCKER_HOST's engine, a manager), never written to disk. The admin's
 * password and the certificate's fingerprint are printed once: a Swarm secret cannot be read back.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { err, out, printData, printTable } from '../output';
import { outputFormat, UsageError } from '../context';

/** The secrets stack.yml names (external: true), and what each holds. */
export const STACK_SECRETS = {
  stratos_db_password: "PostgreSQL's superuser `stratos` password (stratos-postgres)",
  stratos_database_url: 'DATABASE_URL of the managers and controllers (postgres://stratos:…@postgres:5432/stratos, over TLS)',
  stratos_mqtt_password: "Mosquitto's dynamic-security admin `stratos` password (stratos-mosquitto)",
  stratos_mqtt_url: 'MQTT_URL of the managers and controllers (mqtts://stratos:…@mosquitto:8883)',
  stratos_admin_password: "the platform's first `admin` password (STRATOS_ADMIN_PASSWORD_FILE)",
  stratos_secret_key: 'the key sealing secrets at rest, one for every controller (STRATOS_SECRET_KEY_FILE)',
  stratos_tls_cert: "the API's, Mosquitto's and PostgreSQL's certificate (self-signed; members, the CLI and the platform's services trust it)",
  stratos_tls_key: 'its private key',
} as const;

type StackSecret = keyof typeof STACK_SECRETS;

/** Fresh values for every stack secret: the API and the broker are named by `publicHost` and by their service names. */
export async function makeStackSecrets(publicHost: string): Promise<Record<StackSecret, string>> {
  const { selfSignedPems } = await import('@stratos/runtime');
  const password = () => randomBytes(24).toString('base64url');
  const [db, mqtt, admin] = [password(), password(), password()];
  const tls = await selfSignedPems(`stratos ${publicHost}`, [...new Set([publicHost, 'manager', 'mosquitto', 'haproxy', 'postgres', 'localhost', '127.0.0.1'])]);
  return {
    stratos_db_password: db,
    // Over TLS, the server's certificate checked against the stack's own (the secret every platform service mounts).
    stratos_database_url: `postgres://stratos:${db}@postgres:5432/stratos?sslmode=verify-full&sslrootcert=/run/secrets/stratos_tls_cert`,
    stratos_mqtt_password: mqtt,
    stratos_mqtt_url: `mqtts://stratos:${mqtt}@mosquitto:8883`,
    stratos_admin_password: admin,
    stratos_secret_key: randomBytes(32).toString('base64'),
    stratos_tls_cert: tls.cert,
    stratos_tls_key: tls.key,
  };
}

/** A DNS name or an IP address (what a certificate can name). */
export function isHostName(value: string): boolean {
  return isIP(value) !== 0 || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(value);
}

export function registerStack(program: Command): void {
  const stack = program.command('stack').description('Run the platform on a Docker Swarm (deploy/swarm/stack.yml; README: "Running on more than one machine")');
  stack
    .command('secrets')
    .description("Create the stack's Swarm secrets (random passwords, the sealing key, a TLS pair for the public address) in DOCKER_HOST's swarm; prints the admin password once")
    .requiredOption('--public-host <address>', 'where users and members reach the platform: the address of the manager node running HAProxy and Mosquitto (the certificate names it)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (options: { publicHost: string; output?: string; json?: boolean }) => {
      const format = outputFormat(options);
      if (!isHostName(options.publicHost)) throw new UsageError(`--public-host: "${options.publicHost}" is not an IP address or a DNS name`);
      const { dockerEngineAt } = await import('@stratos/iaas');
      const docker = dockerEngineAt(process.env.DOCKER_HOST || 'unix:///var/run/docker.sock');
      const existing = new Set(((await docker.listSecrets()) as { Spec: { Name: string } }[]).map((s) => s.Spec.Name));
      const names = Object.keys(STACK_SECRETS) as StackSecret[];
      const present = names.filter((name) => existing.has(name));
      if (present.length === names.length) {
        err('every secret of the stack exists already: nothing made (to start again: docker stack rm, then docker secret rm each of them)');
        return;
      }
      if (present.length > 0) {
        throw new UsageError(`some of the stack's secrets exist already (${present.join(', ')}) and the others would not match them: remove them (docker secret rm ${present.join(' ')}) or make the others by hand`);
      }
      const values = await makeStackSecrets(options.publicHost);
      for (const name of names) {
        await docker.createSecret({ Name: name, Labels: { 'org.stratos.stack-secret': 'true' }, Data: Buffer.from(values[name]).toString('base64') });
      }
      const fingerprint = `SHA256:${new X509Certificate(values.stratos_tls_cert).fingerprint256}`;
      const rows = names.map((name) => ({ secret: name, holds: STACK_SECRETS[name] }));
      printData(format, { secrets: rows, adminPassword: values.stratos_admin_password, fingerprint }, () => {
        printTable(['SECRET', 'HOLDS'], rows.map((r) => [r.secret, r.holds]));
        out();
        out(`The platform's admin password (shown this once; the Swarm secret stratos_admin_password holds it): ${values.stratos_admin_password}`);
        out(`Next: STRATOS_PUBLIC_HOST=${options.publicHost} docker stack deploy -c deploy/swarm/stack.yml stratos`);
        out(`then: npx stratos login --url https://${options.publicHost}:9443 --fingerprint ${fingerprint}`);
      });
    });
}
