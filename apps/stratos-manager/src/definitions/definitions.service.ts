import { Injectable } from '@nestjs/common';
import {
  DomainError,
  Topics,
  validateDefinition,
  type DefinitionKind,
  type DefinitionListResult,
  type DefinitionView,
  type DefinitionWriteResult,
} from '@stratos/contracts';
import type { Caller } from '../auth/auth.service';
import { pagingNumber } from '../cartridges/cartridges.service';
import { ControllerClient } from '../controller-client/controller-client.service';

/** Validates here (schema and the document's own checks), then asks the controller, which checks references. */
@Injectable()
export class DefinitionsService {
  constructor(private readonly controller: ControllerClient) {}

  create(kind: DefinitionKind, caller: Caller, definition: unknown, strict: boolean): Promise<DefinitionWriteResult> {
    this.check(kind, definition, strict);
    return this.controller.request(Topics.definitions.create, { actor: { username: caller.username }, kind: kind.name, definition, strict });
  }

  update(kind: DefinitionKind, caller: Caller, id: string | undefined, definition: unknown, strict: boolean): Promise<DefinitionWriteResult> {
    this.check(kind, definition, strict);
    return this.controller.request(Topics.definitions.update, { actor: { username: caller.username }, kind: kind.name, id, definition, strict });
  }

  remove(kind: DefinitionKind, caller: Caller, id: string): Promise<{ id: string }> {
    return this.controller.request(Topics.definitions.remove, { actor: { username: caller.username }, kind: kind.name, id });
  }

  get(kind: DefinitionKind, id: string): Promise<DefinitionView> {
    return this.controller.request(Topics.definitions.get, { kind: kind.name, id });
  }

  list(kind: DefinitionKind, query: { limit?: string; offset?: string }): Promise<DefinitionListResult> {
    return this.controller.request(Topics.definitions.list, {
      kind: kind.name,
      limit: pagingNumber(query.limit, 'limit', 100, 1000),
      offset: pagingNumber(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    });
  }

  private check(kind: DefinitionKind, definition: unknown, strict: boolean): void {
    const { errors } = validateDefinition(kind, definition, { strict });
    if (errors.length > 0) throw DomainError.invalid(`the ${kind.label} is invalid`, errors);
  }
}
