import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Topics, type ArtifactCreateRequest, type ArtifactDistributeRequest, type ArtifactKeyRequest, type ArtifactRemoveRequest } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { ImageArtifactsService } from './image-artifacts.service';

@Controller()
export class ImageArtifactsHandler {
  constructor(private readonly artifacts: ImageArtifactsService) {}

  @MessagePattern(Topics.artifacts.create)
  create(@Payload() request: ArtifactCreateRequest) {
    return reply(() => this.artifacts.create(request));
  }

  @MessagePattern(Topics.artifacts.list)
  list() {
    return reply(() => this.artifacts.list());
  }

  @MessagePattern(Topics.artifacts.get)
  get(@Payload() request: ArtifactKeyRequest) {
    return reply(() => this.artifacts.get(request));
  }

  @MessagePattern(Topics.artifacts.distribute)
  distribute(@Payload() request: ArtifactDistributeRequest) {
    return reply(() => this.artifacts.distribute(request));
  }

  @MessagePattern(Topics.artifacts.remove)
  remove(@Payload() request: ArtifactRemoveRequest) {
    return reply(() => this.artifacts.remove(request));
  }
}
