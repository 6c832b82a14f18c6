import { ConsoleLogger } from '@nestjs/common';

/** Nest's start-up chatter (every module and route) that tells an operator nothing. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'NestMicroservice']);

/** The log of a platform process: Nest's console logger without the start-up chatter. */
export class ProcessLogger extends ConsoleLogger {
  constructor(processName: string) {
    super(processName, { logLevels: ['log', 'warn', 'error', 'fatal'], colors: process.stdout.isTTY && !process.env.NO_COLOR });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) return;
    super.log(message, ...(rest as [string]));
  }
}
