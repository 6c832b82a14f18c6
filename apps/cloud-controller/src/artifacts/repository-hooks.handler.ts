import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Topics, type RepositoryNotifyRequest } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { RepositoryHooks } from './repository-hooks.service';

@Controller()
export class RepositoryHooksHandler {
  constructor(private readonly hooks: RepositoryHooks) {}

  @MessagePattern(Topics.repositories.notify)
  notify(@Payload() request: RepositoryNotifyRequest) {
    return reply(() => this.hooks.notify(request));
  }
}
