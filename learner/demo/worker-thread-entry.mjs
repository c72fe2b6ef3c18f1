// The rollout worker thread's entry (worker-thread.ts): TypeScript sources run through tsx, as in cli/bin.mjs.
import { register } from 'tsx/esm/api'

register()
await import('./worker-thread-main.ts')
