import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Topics, type MemberTreeRequest, type MetadataAddRequest, type MetadataRemoveRequest, type MetadataScopeRequest } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { MetadataRegistry } from './metadata-registry.service';

@Controller()
export class MetadataHandler {
  constructor(private readonly registry: MetadataRegistry) {}

  @MessagePattern(Topics.metadata.list)
  list(@Payload() request: MetadataScopeRequest) {
    return reply(() => this.registry.list(request));
  }

  @MessagePattern(Topics.metadata.add)
  add(@Payload() request: MetadataAddRequest) {
    return reply(() => this.registry.add(request));
  }

  @MessagePattern(Topics.metadata.remove)
  remove(@Payload() request: MetadataRemoveRequest) {
    return reply(() => this.registry.remove(request));
  }

  @MessagePattern(Topics.metadata.memberTree)
  memberTree(@Payload() request: MemberTreeRequest) {
    return reply(() => this.registry.memberTree(request));
  }
}
