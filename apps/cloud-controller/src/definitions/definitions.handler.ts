import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Topics, type DefinitionKeyRequest, type DefinitionListRequest, type DefinitionWriteRequest } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { DefinitionRegistry } from './definition-registry.service';

@Controller()
export class DefinitionsHandler {
  constructor(private readonly registry: DefinitionRegistry) {}

  @MessagePattern(Topics.definitions.create)
  create(@Payload() request: DefinitionWriteRequest) {
    return reply(() => this.registry.create(request));
  }

  @MessagePattern(Topics.definitions.update)
  update(@Payload() request: DefinitionWriteRequest) {
    return reply(() => this.registry.update(request));
  }

  @MessagePattern(Topics.definitions.remove)
  remove(@Payload() request: DefinitionKeyRequest) {
    return reply(() => this.registry.remove(request));
  }

  @MessagePattern(Topics.definitions.get)
  get(@Payload() request: DefinitionKeyRequest) {
    return reply(() => this.registry.get(request));
  }

  @MessagePattern(Topics.definitions.list)
  list(@Payload() request: DefinitionListRequest) {
    return reply(() => this.registry.list(request));
  }
}
