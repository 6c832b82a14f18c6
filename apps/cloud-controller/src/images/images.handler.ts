import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Topics, type BakeRequest } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { BakeService } from './bake.service';

@Controller()
export class ImagesHandler {
  constructor(private readonly bakes: BakeService) {}

  @MessagePattern(Topics.images.bake)
  bake(@Payload() request: BakeRequest) {
    return reply(() => this.bakes.bake(request));
  }

  @MessagePattern(Topics.images.list)
  list() {
    return reply(() => this.bakes.list());
  }

  @MessagePattern(Topics.images.remove)
  remove(@Payload() request: { cartridgeType: string }) {
    return reply(() => this.bakes.remove(request));
  }
}
