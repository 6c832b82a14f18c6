/** The agents benchmark's embedded broker (aedes) as a process of its own, so that its CPU is its own: tells its parent its port. */
import { startEmbeddedBroker } from '../../../libs/runtime/src';

startEmbeddedBroker({ port: 0, credentials: { username: 'stratos', password: process.env.BROKER_PASSWORD! }, memberSecret: process.env.STRATOS_MEMBER_SECRET }).then(
  (broker) => {
    process.send!({ type: 'broker:ready', port: broker.port });
    process.once('SIGTERM', () => void broker.stop().then(() => process.exit(0)));
  },
  (error: Error) => {
    process.stderr.write(`aedes broker: ${error.stack}\n`);
    process.exit(1);
  },
);
