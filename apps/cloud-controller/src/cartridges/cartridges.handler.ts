import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  Topics,
  type BundleUploadRequest,
  type CartridgeKeyRequest,
  type CartridgeUpdateRequest,
  type CartridgeWriteRequest,
} from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { CartridgeRegistry } from './cartridge-registry.service';

@Controller()
export class CartridgesHandler {
  constructor(private readonly registry: CartridgeRegistry) {}

  @MessagePattern(Topics.cartridges.create)
  create(@Payload() request: CartridgeWriteRequest) {
    return reply(() => this.registry.create(request));
  }

  @MessagePattern(Topics.cartridges.update)
  update(@Payload() request: CartridgeUpdateRequest) {
    return reply(() => this.registry.update(request));
  }

  @MessagePattern(Topics.cartridges.remove)
  remove(@Payload() request: CartridgeKeyRequest) {
    return reply(() => this.registry.remove(request));
  }

  @MessagePattern(Topics.cartridges.putBundle)
  putBundle(@Payload() request: BundleUploadRequest) {
    return reply(() => this.registry.putBundle(request));
  }

  @MessagePattern(Topics.cartridges.getBundle)
  getBundle(@Payload() request: CartridgeKeyRequest) {
    return reply(() => this.registry.getBundle(request));
  }

  @MessagePattern(Topics.cartridges.removeBundle)
  removeBundle(@Payload() request: CartridgeKeyRequest) {
    return reply(() => this.registry.removeBundle(request));
  }
}
