/** The API version reported by /api/health and the OpenAPI document; a test keeps it equal to package.json. */
export const APP_VERSION = '0.1.0';
