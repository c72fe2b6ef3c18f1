/** drizzle-kit configuration: `npx drizzle-kit generate` writes SQL migrations from schema/schema.ts. */
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './schema/schema.ts',
  out: './schema/migrations',
})
