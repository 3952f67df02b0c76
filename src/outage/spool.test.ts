import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpool, type SpoolEntry } from './spool.js';

const checkpoint = (number: number): SpoolEntry => ({ kind: 'checkpoint', chainId: 1, block: { number, hash: `0x${number.toString(16).padStart(64, '0')}` } });

describe('spool', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-test-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('replays entries in append order, then deletes the file', async () => {
    const dir = tempDir();
    const spool = createSpool({ dir, host: 'h', pid: 100 });
    for (let n = 1; n <= 5; n++) spool.append(checkpoint(n));
    expect(spool.size().entries).toBe(5);
    const seen: number[] = [];
    const result = await spool.drain(async (entries) => void seen.push(...entries.map((entry) => (entry.kind === 'checkpoint' ? entry.block.number : -1))));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ entries: 5, files: 1, skipped: 0 });
    expect(readdirSync(dir)).toEqual([]);
    expect(spool.size()).toEqual({ entries: 0, bytes: 0 });
  });

  it('drains what is appended during a replay before calling onEmpty', async () => {
    const dir = tempDir();
    const spool = createSpool({ dir, host: 'h', pid: 100 });
    spool.append(checkpoint(1));
    const batches: number[][] = [];
    let emptyAfter = -1;
    await spool.drain(
      async (entries) => {
        batches.push(entries.map((entry) => (entry.kind === 'checkpoint' ? entry.block.number : -1)));
        if (batches.length === 1) spool.append(checkpoint(2)); // a block processed while replaying
      },
      () => (emptyAfter = batches.length),
    );
    expect(batches).toEqual([[1], [2]]);
    expect(emptyAfter).toBe(2);
  });

  it('keeps the file when apply fails, and replays it next time', async () => {
    const dir = tempDir();
    const spool = createSpool({ dir, host: 'h', pid: 100 });
    spool.append(checkpoint(7));
    await expect(spool.drain(async () => Promise.reject(new Error('Redis gone again')))).rejects.toThrow('Redis gone again');
    expect(spool.size().entries).toBe(1);
    const seen: SpoolEntry[] = [];
    await spool.drain(async (entries) => void seen.push(...entries));
    expect(seen).toEqual([checkpoint(7)]);
  });

  it('adopts the files of dead processes of this host, never those of live ones or other hosts', async () => {
    const dir = tempDir();
    const line = (n: number) => `${JSON.stringify(checkpoint(n))}\n`;
    writeFileSync(join(dir, 'spool-h-200.jsonl'), line(1)); // dead
    writeFileSync(join(dir, 'spool-h-300.jsonl'), line(2)); // alive
    writeFileSync(join(dir, 'spool-other-200.jsonl'), line(3)); // another host
    const spool = createSpool({ dir, host: 'h', pid: 100, isAlive: (pid) => pid === 300 });
    const seen: SpoolEntry[] = [];
    await spool.drain(async (entries) => void seen.push(...entries));
    expect(seen).toEqual([checkpoint(1)]);
    expect(readdirSync(dir).sort()).toEqual(['spool-h-300.jsonl', 'spool-other-200.jsonl']);
  });

  it('skips a last line cut short by a crash and counts it', async () => {
    const dir = tempDir();
    const file = join(dir, 'spool-h-200.jsonl');
    writeFileSync(file, `${JSON.stringify(checkpoint(1))}\n`);
    appendFileSync(file, '{"kind":"checkpoint","chainId":1,"blo');
    const spool = createSpool({ dir, host: 'h', pid: 100, isAlive: () => false });
    const seen: SpoolEntry[] = [];
    const result = await spool.drain(async (entries) => void seen.push(...entries));
    expect(seen).toEqual([checkpoint(1)]);
    expect(result.skipped).toBe(1);
  });
});
