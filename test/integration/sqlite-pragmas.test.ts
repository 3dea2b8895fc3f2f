import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectStore } from '../../prisma/clients';

describe('SQLite connections', () => {
  it('run in write-ahead-log mode with synchronous=NORMAL on every connection, also after a reopen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-pragmas-'));
    const url = `file:${path.join(dir, 'store.db')}`;
    try {
      for (let open = 0; open < 2; open += 1) {
        const db = connectStore(url);
        try {
          const [journal] = await db.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
          const [sync] = await db.$queryRawUnsafe<{ synchronous: bigint | number }[]>('PRAGMA synchronous');
          expect(journal?.journal_mode).toBe('wal');
          // 1 is NORMAL (2, the default, is FULL).
          expect(Number(sync?.synchronous)).toBe(1);
        } finally {
          await db.$disconnect();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
