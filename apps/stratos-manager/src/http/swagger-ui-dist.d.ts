/** swagger-ui-dist ships no types. Its index loads Swagger UI's 1.5 MB browser bundle into Node: only this file is imported. */
declare module 'swagger-ui-dist/absolute-path.js' {
  /** The folder of Swagger UI's built files. */
  const getAbsoluteFSPath: () => string;
  export default getAbsoluteFSPath;
}
