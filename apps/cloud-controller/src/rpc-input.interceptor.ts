import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { BUNDLE_LIMITS, ErrorCode, inspectJsonInput, JSON_INPUT_LIMITS, RPC_DEADLINE_FIELD, type RpcReply } from '@stratos/contracts';
import { map, type Observable, of } from 'rxjs';
import { ControllerSettings } from './controller-settings';

/** Strings may be as long as a bundle's archive in base64 (the one large field a request carries). */
const RPC_INPUT_LIMITS = { ...JSON_INPUT_LIMITS, maxStringLength: Math.ceil((BUNDLE_LIMITS.compressedBytes * 4) / 3) + 4 };

/**
 * Every RPC request passes the same checks as a REST body before a handler reads it (NUL,
 * unpaired surrogates, prototype keys, depth and sizes): the manager checked already, but the
 * controller answers whoever may publish on its topics. A refusal is an Invalid reply naming
 * the pointer, as a handler's own would be. A request past its deadline is not carried out.
 * Every reply names the controller that served it (`servedBy`).
 */
@Injectable()
export class RpcInputInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Rpc');

  constructor(private readonly settings: ControllerSettings) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    return this.check(context, next).pipe(map((reply) => this.signed(reply)));
  }

  private signed(reply: unknown): unknown {
    if (reply && typeof reply === 'object' && 'ok' in reply && this.settings.controllerId) (reply as RpcReply<unknown>).servedBy = this.settings.controllerId;
    return reply;
  }

  private check(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const data = context.switchToRpc().getData() as Record<string, unknown> | undefined;
    const pattern = () => String((context.switchToRpc().getContext() as { getTopic?: () => string })?.getTopic?.() ?? context.getHandler().name);
    const deadline = data?.[RPC_DEADLINE_FIELD];
    if (typeof deadline === 'number' && Date.now() > deadline) {
      this.logger.warn(`dropped a request on ${pattern()} that came ${Date.now() - deadline} ms after its caller stopped waiting (no controller led meanwhile)`);
      return of({ ok: false, error: { code: ErrorCode.Unavailable, message: 'the request came after its caller stopped waiting; it was not carried out', errors: [] } } satisfies RpcReply<never>);
    }
    const issue = inspectJsonInput(data, RPC_INPUT_LIMITS);
    if (!issue) return next.handle();
    this.logger.warn(`refused a request on ${pattern()}: ${issue.path || 'its root'} ${issue.message}`);
    const refusal: RpcReply<never> = { ok: false, error: { code: ErrorCode.Invalid, message: `the request holds what this platform does not accept, at ${issue.path || 'its root'}`, errors: [issue] } };
    return of(refusal);
  }
}
