export * from './template';
export * from './values';
export * from './fmt';
export * from './store';
export * from './resource';
export * from './funcs/confd';
export { TemplateSyntaxError } from './lexer';
