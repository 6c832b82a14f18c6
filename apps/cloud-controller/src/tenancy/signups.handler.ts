import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Topics, type DomainMappingRequest, type SignUpRequest } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { DomainMappingsService } from './domain-mappings.service';
import { SignUpsService } from './signups.service';

@Controller()
export class SignUpsHandler {
  constructor(
    private readonly signups: SignUpsService,
    private readonly domainMappings: DomainMappingsService,
  ) {}

  @MessagePattern(Topics.domainMappings.add)
  addDomainMappings(@Payload() request: DomainMappingRequest) {
    return reply(() => this.domainMappings.add(request));
  }

  @MessagePattern(Topics.domainMappings.list)
  listDomainMappings(@Payload() request: DomainMappingRequest) {
    return reply(() => this.domainMappings.list(request));
  }

  @MessagePattern(Topics.domainMappings.remove)
  removeDomainMapping(@Payload() request: DomainMappingRequest) {
    return reply(() => this.domainMappings.remove(request));
  }

  @MessagePattern(Topics.signups.add)
  add(@Payload() request: SignUpRequest) {
    return reply(() => this.signups.add(request));
  }

  @MessagePattern(Topics.signups.get)
  get(@Payload() request: SignUpRequest) {
    return reply(() => this.signups.get(request));
  }

  @MessagePattern(Topics.signups.list)
  list(@Payload() request: { applicationId: string }) {
    return reply(() => this.signups.list(request));
  }

  @MessagePattern(Topics.signups.remove)
  remove(@Payload() request: SignUpRequest) {
    return reply(() => this.signups.remove(request));
  }
}
