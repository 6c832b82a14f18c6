import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, type RpcReply } from '@stratos/contracts';
import { databaseUnavailableReason } from '@stratos/persistence';

const logger = new Logger('Rpc');

/** The MQTT edge: a domain error becomes data the manager maps; anything else, an incident. */
export async function reply<T>(work: () => Promise<T>): Promise<RpcReply<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, error: { code: error.code, message: error.message, errors: error.errors } };
    const down = databaseUnavailableReason(error);
    if (down) return { ok: false, error: { code: ErrorCode.Unavailable, message: `the database (PostgreSQL) is unavailable to the cloud controller: ${down}; retry shortly`, errors: [] } };
    const incident = randomUUID();
    logger.error(`incident ${incident}: ${(error as Error)?.stack ?? String(error)}`);
    return { ok: false, error: { code: ErrorCode.Internal, message: `internal error in the cloud controller (incident ${incident})`, errors: [] } };
  }
}
