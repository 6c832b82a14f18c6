/**
 * A benchmark's embedded broker (aedes) as a process of its own, so that its CPU is its own — as
 * `npm start` runs it, apart from the controller: tells its parent its port. BROKER_TLS_HOME: over
 * TLS with that folder's self-signed pair (npm start's default), made there if missing.
 */
import { selfSignedTlsPair, startEmbeddedBroker } from '../../../libs/runtime/src';

async function main(): Promise<void> {
  const tlsHome = process.env.BROKER_TLS_HOME;
  const tls = tlsHome ? await selfSignedTlsPair(tlsHome) : undefined;
  const broker = await startEmbeddedBroker({
    port: 0,
    credentials: { username: 'stratos', password: process.env.BROKER_PASSWORD! },
    memberSecret: process.env.STRATOS_MEMBER_SECRET,
    tls: tls ? { cert: tls.cert, key: tls.key } : undefined,
  });
  process.send!({ type: 'broker:ready', port: broker.port });
  process.once('SIGTERM', () => void broker.stop().then(() => process.exit(0)));
}

main().catch((error: Error) => {
  process.stderr.write(`aedes broker: ${error.stack}\n`);
  process.exit(1);
});
