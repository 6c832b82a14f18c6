export const TEMPLATE_DATABASE = 'stratos_template';
/** Set by the global setup: the URL of the test server's `postgres` database. */
export const TEST_PG_ENV = 'STRATOS_TEST_POSTGRES_URL';
export const IN_CI = process.env.CI === 'true';
