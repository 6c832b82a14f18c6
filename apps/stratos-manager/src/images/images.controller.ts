import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, Topics, type BakedImageView, type OperationAccepted } from '@stratos/contracts';
import { AdminOnly, type AuthenticatedRequest } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';

/** Fully configured images baked from provisioned docker members (`stratos image …`). */
@ApiTags('images')
@ApiBearerAuth()
@Controller('images')
export class ImagesController {
  constructor(private readonly controller: ControllerClient) {}

  @AdminOnly()
  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: "Bake a provisioned docker member into its cartridge's fully configured image; 202 with an operation (MemberNotice events say when it is done)" })
  @ApiBody({ schema: { type: 'object', required: ['fromMember'], properties: { fromMember: { type: 'string' }, tag: { type: 'string' } } } })
  bake(@Req() request: AuthenticatedRequest, @Body() body: unknown): Promise<OperationAccepted> {
    const { fromMember, tag } = (body ?? {}) as { fromMember?: unknown; tag?: unknown };
    if (typeof fromMember !== 'string' || fromMember === '') throw DomainError.invalid('name the member to bake', [{ path: '/fromMember', message: 'is required (a member id)' }]);
    if (tag !== undefined && typeof tag !== 'string') throw DomainError.invalid('the tag is invalid', [{ path: '/tag', message: 'must be a string: repository[:tag]' }]);
    return this.controller.request(Topics.images.bake, { actor: { username: request.caller.username }, fromMember, tag });
  }

  @Get()
  @ApiOperation({ summary: "Each cartridge's baked image" })
  list(): Promise<BakedImageView[]> {
    return this.controller.request(Topics.images.list, {});
  }

  @AdminOnly()
  @Delete(':cartridgeType')
  @ApiOperation({ summary: "Forget a cartridge's baked image: its members start from the generic image again (the image stays in the engine)" })
  remove(@Param('cartridgeType') cartridgeType: string): Promise<{ cartridgeType: string }> {
    return this.controller.request(Topics.images.remove, { cartridgeType });
  }
}
