import { defineConfig } from 'drizzle-kit';

/** `npm run db:generate` writes a new SQL migration under server/db/migrations from the schema. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './server/db/schema.ts',
  out: './server/db/migrations',
});
