/** Text fields that end up in Postgres `text` columns: bounded, and free of NUL (U+0000), which Postgres cannot
 * store — a completion with NUL is a client error (400), not a 500 from the database. */
import { z } from '@hono/zod-openapi'

export const storedText = (maxChars: number) =>
  z
    .string()
    .max(maxChars)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL (U+0000): Postgres text cannot store it')
