// Worker threads cannot load .ts files directly: register tsx's loader in this thread, then import
// the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./vector-worker-entry.ts');
