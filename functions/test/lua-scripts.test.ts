// The queue's Lua scripts: shared rules live in lua/includes and are inlined once at load.
import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadScript } from '../src/queue/scripts.js';

const luaDirectory = new URL('../src/queue/lua/', import.meta.url);
const scripts = readdirSync(luaDirectory).filter((name) => name.endsWith('.lua'));

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
    expect(loadScript('claim-3.lua')).toContain("redis.call('EXISTS', valuePrefix .. index)");
  });

  it('writes a value only with a TTL, so values are the one kind of key Redis may evict (volatile-lru)', () => {
    const complete = loadScript('complete-7.lua');
    expect(complete).toMatch(/redis\.call\('SET', valuePrefix \.\. index, ARGV\[i \+ 1\], 'PX', ttlMs\)/);
    for (const file of scripts.filter((name) => name !== 'complete-7.lua' && name !== 'take-budget-1.lua')) {
      expect(loadScript(file), file).not.toMatch(/'(PEXPIRE|EXPIRE|PX|EX)'/);
    }
  });

  it('names each script by its number of keys, as its header lists them', () => {
    for (const file of scripts) {
      const declared = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
      const listed = new Set(readFileSync(new URL(file, luaDirectory), 'utf8').match(/KEYS\[\d+\]/g) ?? []);
      expect(listed.size, file).toBe(declared);
    }
  });
});
