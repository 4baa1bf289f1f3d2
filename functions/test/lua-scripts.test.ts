// The queue's Lua scripts: shared rules live in lua/includes and are inlined once at load, and
// each script binds its KEYS, in the scripts module's order, to named locals at its top.
import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadScript, type ScriptCommand, scriptFiles, scriptKeyNames } from '../src/queue/scripts.js';

const luaDirectory = new URL('../src/queue/lua/', import.meta.url);
const scripts = readdirSync(luaDirectory).filter((name) => name.endsWith('.lua'));
const includes = readdirSync(new URL('includes/', luaDirectory)).filter((name) => name.endsWith('.lua'));
const commands = Object.keys(scriptFiles) as ScriptCommand[];

/** The local a script binds a key to: `queued` → `queuedKey`; a prefix keeps its name (`valuePrefix`). */
const localName = (key: string) => (key.endsWith('Prefix') ? key : `${key}Key`);

/** The lines of a script that mention KEYS, each with its line number. */
function keysLines(text: string): { line: number; text: string }[] {
  return text
    .split('\n')
    .map((line, i) => ({ line: i + 1, text: line }))
    .filter(({ text: line }) => line.includes('KEYS'));
}

describe('Lua scripts', () => {
  it.each(scripts)('%s: loads with every include inlined exactly once', (file) => {
    const text = loadScript(file);
    expect(text).not.toMatch(/@include/);
    for (const name of ['isDone', 'addEvent', 'queueIndex', 'isPending']) {
      expect(text.split(`local function ${name}(`).length - 1).toBeLessThanOrEqual(1);
    }
  });

  it('writes the "value is stored" rule once, in the includes, not in each script', () => {
    for (const file of scripts) {
      expect(readFileSync(new URL(file, luaDirectory), 'utf8'), file).not.toMatch(/EXISTS/);
    }
    expect(loadScript('claim-4.lua')).toContain("redis.call('EXISTS', valuePrefix .. index)");
  });

  it('writes a value only with a TTL, so values are the one kind of key Redis may evict (volatile-lru)', () => {
    const complete = loadScript('complete-8.lua');
    expect(complete).toMatch(/redis\.call\('SET', valuePrefix \.\. index, ARGV\[i \+ 1\], 'PX', ttlMs\)/);
    for (const file of scripts.filter((name) => name !== 'complete-8.lua' && name !== 'take-budget-1.lua')) {
      expect(loadScript(file), file).not.toMatch(/'(PEXPIRE|EXPIRE|PX|EX)'/);
    }
  });

  it('has a command in the scripts module for every Lua file', () => {
    expect(Object.values(scriptFiles).sort()).toEqual([...scripts].sort());
  });

  it.each(commands)('%s: binds its KEYS to named locals in one block at its top, and uses KEYS nowhere else', (command) => {
    const lines = keysLines(readFileSync(new URL(scriptFiles[command], luaDirectory), 'utf8')).filter(
      // The header comment lists the keys as "KEYS[n] what"; code never starts a line with KEYS.
      ({ text }) => !/^\s*KEYS\[\d+\] /.test(text),
    );
    for (const { line, text } of lines) expect(text, `line ${line}`).toMatch(/^local \w+ = KEYS\[\d+\]$/);
    const bound = lines.map(({ text }) => /^local (\w+) = KEYS\[(\d+)\]$/.exec(text)?.slice(1) ?? []);
    expect(
      lines.map(({ line }) => line - (lines[0]?.line ?? 0)),
      'one block',
    ).toEqual(lines.map((_, i) => i));
    expect(
      bound.map(([, n]) => Number(n)),
      'KEYS[1] to KEYS[n] in order',
    ).toEqual(bound.map((_, i) => i + 1));
    expect(bound.map(([name]) => name)).toEqual(scriptKeyNames[command].map(localName));
  });

  it.each(commands)("%s: its file name's number of keys is the length of its key list in the scripts module", (command) => {
    const declared = Number(/-(\d+)\.lua$/.exec(scriptFiles[command])?.[1]);
    expect(scriptKeyNames[command].length).toBe(declared);
  });

  it('uses no KEYS in the shared fragments (they take the keys they need as arguments)', () => {
    for (const file of includes) {
      expect(readFileSync(new URL(`includes/${file}`, luaDirectory), 'utf8'), file).not.toMatch(/KEYS/);
    }
  });
});
