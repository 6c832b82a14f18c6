import { Injectable } from '@nestjs/common';
import {
  BundleError,
  DomainError,
  readBundle,
  type BundleDownload,
  Topics,
  validateCartridge,
  type CartridgeListResult,
  type CartridgeView,
  type CartridgeWriteResult,
} from '@stratos/contracts';
import { Database, readCartridge, readCartridges } from '@stratos/persistence';
import type { Caller } from '../auth/auth.service';
import { cartridgeFilter } from './cartridge-filters';
import { ControllerClient } from '../controller-client/controller-client.service';

export interface ListQuery {
  category?: string;
  limit?: string;
  offset?: string;
}

export function pagingNumber(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) throw DomainError.invalid(`${name} must be an integer from 0 to ${max}`, [{ path: `?${name}`, message: `must be an integer from 0 to ${max}` }]);
  return Number(value);
}

/**
 * Writes: validated here (a 400 costs no round trip), then asked of the controller, which owns
 * the registry. Reads: from PostgreSQL, where the controller's writes are committed before it
 * answers — they need no controller (and no two MQTT hops).
 */
@Injectable()
export class CartridgesService {
  constructor(
    private readonly controller: ControllerClient,
    private readonly database: Database,
  ) {}

  create(caller: Caller, definition: unknown, strict: boolean): Promise<CartridgeWriteResult> {
    this.check(definition, strict);
    return this.controller.request(Topics.cartridges.create, { actor: { username: caller.username }, definition, strict });
  }

  update(caller: Caller, type: string, definition: unknown, strict: boolean): Promise<CartridgeWriteResult> {
    this.check(definition, strict);
    return this.controller.request(Topics.cartridges.update, { actor: { username: caller.username }, type, definition, strict });
  }

  remove(caller: Caller, type: string): Promise<{ type: string }> {
    return this.controller.request(Topics.cartridges.remove, { actor: { username: caller.username }, type });
  }

  async get(type: string): Promise<CartridgeView> {
    const cartridge = await readCartridge(this.database.cartridges, type);
    if (!cartridge) throw DomainError.notFound(`cartridge "${type}" does not exist`);
    return cartridge;
  }

  /** Every cartridge a Stratos filter selects (GET /api/cartridges/filter/{filter}). */
  async filtered(filter: string, criteria: string | undefined): Promise<CartridgeView[]> {
    const selects = cartridgeFilter(filter, criteria);
    const all: CartridgeView[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page: CartridgeListResult = await readCartridges(this.database.cartridges, { limit: 1000, offset });
      all.push(...page.items);
      if (page.items.length === 0 || all.length >= page.total) break;
    }
    return all.filter(selects);
  }

  /** One cartridge, if the filter selects it. */
  async getFiltered(type: string, filter: string): Promise<CartridgeView> {
    const selects = cartridgeFilter(filter, undefined);
    const cartridge = await this.get(type);
    if (!selects(cartridge)) throw DomainError.notFound(`cartridge "${type}" is not ${filter === 'load-balancer' ? 'a single-tenant load balancer' : filter}`);
    return cartridge;
  }

  list(query: ListQuery): Promise<CartridgeListResult> {
    return readCartridges(this.database.cartridges, {
      category: query.category || undefined,
      limit: pagingNumber(query.limit, 'limit', 100, 1000),
      offset: pagingNumber(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    });
  }

  /** Checked here too (a bad archive costs no round trip), then stored by the controller. */
  putBundle(caller: Caller, type: string, archive: unknown): Promise<CartridgeView> {
    if (!Buffer.isBuffer(archive) || archive.length === 0) throw DomainError.invalid('send the bundle as the body: a gzipped tar archive (Content-Type: application/gzip)', [{ path: '', message: 'no archive' }]);
    try {
      readBundle(archive);
    } catch (error) {
      if (error instanceof BundleError) throw DomainError.invalid(`the bundle of cartridge "${type}" is invalid: ${error.message}`, [{ path: '', message: error.message }]);
      throw error;
    }
    return this.controller.request(Topics.cartridges.putBundle, { actor: { username: caller.username }, type, archive: archive.toString('base64') });
  }

  async getBundle(type: string): Promise<Buffer> {
    const download: BundleDownload = await this.controller.request(Topics.cartridges.getBundle, { type });
    return Buffer.from(download.archive, 'base64');
  }

  removeBundle(caller: Caller, type: string): Promise<CartridgeView> {
    return this.controller.request(Topics.cartridges.removeBundle, { actor: { username: caller.username }, type });
  }

  private check(definition: unknown, strict: boolean): void {
    const { errors } = validateCartridge(definition, { strict });
    if (errors.length > 0) throw DomainError.invalid('the cartridge definition is invalid', errors);
  }
}
