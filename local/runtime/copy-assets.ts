// Copies the non-TypeScript files the functions read at run time (Lua scripts, SQL
// migrations) from functions/src into dist/, next to the compiled code (`npm run build`).
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const source = 'functions/src';
const target = 'dist/functions/src';
const assetPattern = /\.(lua|sql)$/;

function copyAssets(directory: string): void {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (assetPattern.test(name)) cpSync(path, join(target, path.slice(source.length)), { recursive: true });
  }
}

copyAssets(source);
