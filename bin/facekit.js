#!/usr/bin/env node
// The `facekit` command: runs the TypeScript sources through tsx (no build step for Node code).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
