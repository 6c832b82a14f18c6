import { Injectable } from '@nestjs/common';
import {
  DomainError,
  Topics,
  validateCartridge,
  type CartridgeListResult,
  type CartridgeView,
  type CartridgeWriteResult,
} from '@stratos/contracts';
import type { Caller } from '../auth/auth.service';
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

/** Validates here (a 400 costs no round trip), then asks the controller, which owns the registry. */
@Injectable()
export class CartridgesService {
  constructor(private readonly controller: ControllerClient) {}

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

  get(type: string): Promise<CartridgeView> {
    return this.controller.request(Topics.cartridges.get, { type });
  }

  list(query: ListQuery): Promise<CartridgeListResult> {
    return this.controller.request(Topics.cartridges.list, {
      category: query.category || undefined,
      limit: pagingNumber(query.limit, 'limit', 100, 1000),
      offset: pagingNumber(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    });
  }

  private check(definition: unknown, strict: boolean): void {
    const { errors } = validateCartridge(definition, { strict });
    if (errors.length > 0) throw DomainError.invalid('the cartridge definition is invalid', errors);
  }
}
