import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, schemas } from '@stratos/contracts';
import { Public } from '../auth/auth.guard';

@ApiTags('schemas')
@Controller('schemas')
export class SchemasController {
  @Public()
  @Get()
  @ApiOperation({ summary: 'Names of the JSON Schemas the API validates with' })
  list() {
    return Object.keys(schemas);
  }

  @Public()
  @Get(':name')
  @ApiOperation({ summary: 'One JSON Schema (draft-07), e.g. cartridge' })
  get(@Param('name') name: string) {
    const schema = schemas[name];
    if (!schema) throw DomainError.notFound(`no schema "${name}"; there are: ${Object.keys(schemas).join(', ')}`);
    return schema;
  }
}
