/**
 * The contracts as a browser bundle (the console) sees them: every type, and of the values only
 * those with no Node.js and no validator in them. The console's tsconfig and build map
 * `@stratos/contracts` here.
 */
export type * from './index';
export { DEFINITION_KINDS, definitionKindNames } from './definitions/definition-kind-names';
export { MemberStatus, LIVE_MEMBER_STATES } from './runtime/lifecycle';
export { SseParser } from './sse-parser';
