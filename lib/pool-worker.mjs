// Worker threads cannot load .ts directly: register tsx's loader here, then import the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker-entry.ts');
