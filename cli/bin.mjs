#!/usr/bin/env node
// The `cohort` executable: registers tsx so the TypeScript sources run directly, then runs the CLI.
import { register } from 'tsx/esm/api'

register()
await import('./run.ts')
