/**
 * The schema package: tables (schema.ts), Workers-safe connections (pg.ts), query functions (queries/).
 * Node-only parts are imported from their files: openDatabase (db.ts, pulls PGlite) and migrateDatabase
 * (migrate.ts). The Workers bundle imports only this index.
 */
export * from './schema.js'
export * from './pg.js'
export * from './crypto.js'
export * from '../common/packed.js'
export * from './queries/index.js'
