/** swagger-ui-dist ships no types; the one function the API docs page uses. */
declare module 'swagger-ui-dist' {
  /** The folder of Swagger UI's built files. */
  export function getAbsoluteFSPath(): string;
}
