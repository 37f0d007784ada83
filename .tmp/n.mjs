export { neon } from '@neondatabase/serverless';
