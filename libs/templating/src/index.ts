export * from './template';
export * from './values';
export * from './fmt';
export { TemplateSyntaxError } from './lexer';
