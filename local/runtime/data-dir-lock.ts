// One local runtime per data directory: a lock file naming the owner, and a record of every
// child it started. A small watchdog process stops the recorded children once the runtime is
// gone however it ended (even SIGKILL); should the watchdog be gone too, the next start stops
// the leftovers that are provably ours and names, with their PID, those that are not.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { identify, isAlive, isSameProcess, type ProcessIdentity } from './process-identity.js';

/** Another live runtime owns the directory. */
export class DataDirectoryBusyError extends Error {
  override name = 'DataDirectoryBusyError';
}

interface RecordedChild {
  name: string;
  identity: ProcessIdentity;
}

function writeJsonAtomically(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(value, null, 1));
  renameSync(temporary, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Stops a leftover (its process group first, as the runtime starts each child in its own group). */
async function stopLeftover(pid: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      try {
        process.kill(pid, name);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGCONT');
  signal('SIGTERM');
  for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
  for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 50) await sleep(50);
}

/**
 * The watchdog: a shell loop that waits for `ownerPid` to end, then sends SIGTERM (SIGKILL
 * to what still runs after 10 s) to every process group listed in `pidsFile`. It runs detached (no terminal
 * signal reaches it) and is stopped by the runtime on a clean stop.
 */
const watchdogScript = `
owner="$1"; list="$2"
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
[ -s "$list" ] || exit 0
# One snapshot: a runtime started meanwhile rewrites the list with its own children.
pids=$(cat "$list")
for pid in $pids; do kill -CONT -"$pid" 2>/dev/null; kill -TERM -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null; done
waited=0
while [ "$waited" -lt 20 ]; do
  alive=""; for pid in $pids; do kill -0 -"$pid" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && exit 0
  sleep 0.5; waited=$((waited + 1))
done
for pid in $pids; do kill -KILL -"$pid" 2>/dev/null; done
exit 0`;

/** The claimed data directory of one running local runtime. */
export class DataDirectory {
  private children: RecordedChild[] = [];
  private watchdogPid: number | undefined;

  private constructor(
    readonly path: string,
    private readonly lockFile: string,
    private readonly childrenFile: string,
  ) {}

  private get pidsFile(): string {
    return join(this.path, 'runtime-children.pids');
  }

  /**
   * Takes the directory's lock (throws {@link DataDirectoryBusyError} when a live runtime holds
   * it) and stops what an earlier, uncleanly stopped runtime left running there.
   */
  static async claim(path: string, log: (message: string) => void): Promise<DataDirectory> {
    mkdirSync(path, { recursive: true });
    const directory = new DataDirectory(path, join(path, 'runtime.lock'), join(path, 'runtime-children.json'));
    const self = identify(process.pid) ?? { pid: process.pid, startTime: null, commandLine: '' };
    for (let attempt = 0; ; attempt += 1) {
      try {
        writeFileSync(directory.lockFile, JSON.stringify(self), { flag: 'wx' });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      }
      const owner = readJson<ProcessIdentity>(directory.lockFile);
      if (owner && owner.pid !== process.pid && (isSameProcess(owner) || (owner.startTime === null && isAlive(owner.pid)))) {
        throw new DataDirectoryBusyError(
          `${path} is in use by another local runtime (PID ${owner.pid}: ${owner.commandLine || 'unknown command'}).\n` +
            `  Stop that one first (Ctrl-C in its terminal, or: kill ${owner.pid}), or give this one its own directory: LOCAL_DATA_DIR=/some/other/dir npm start`,
        );
      }
      // The owner is gone (an unclean stop): the lock is stale.
      rmSync(directory.lockFile, { force: true });
    }
    await directory.stopLeftovers(log);
    const watchdog = spawn('sh', ['-c', watchdogScript, 'runtime-watchdog', String(process.pid), directory.pidsFile], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.unref();
    directory.watchdogPid = watchdog.pid;
    writeFileSync(directory.lockFile, JSON.stringify({ ...self, watchdogPid: watchdog.pid }));
    return directory;
  }

  private async stopLeftovers(log: (message: string) => void): Promise<void> {
    const recorded = readJson<RecordedChild[]>(this.childrenFile) ?? [];
    for (const { name, identity } of recorded) {
      if (isSameProcess(identity)) {
        log(`stopping ${name} (PID ${identity.pid}), left running by an earlier run that did not stop cleanly`);
        await stopLeftover(identity.pid);
      } else if (isAlive(identity.pid)) {
        const now = identify(identity.pid);
        log(
          `PID ${identity.pid} was ${name} in an earlier run but is now another process (${now?.commandLine || 'unknown'}); leaving it alone`,
        );
      }
    }
    this.save();
  }

  /** Records a child this runtime started (before anything else can happen to it). */
  record(name: string, pid: number): void {
    const identity = identify(pid);
    if (!identity) return;
    this.children.push({ name, identity });
    this.save();
  }

  /** Forgets a child that has exited. */
  forget(pid: number): void {
    const before = this.children.length;
    this.children = this.children.filter((child) => child.identity.pid !== pid);
    if (this.children.length !== before) this.save();
  }

  /** Releases the lock (after every child has stopped) and ends the watchdog. */
  release(): void {
    this.children = [];
    this.save();
    if (this.watchdogPid !== undefined) {
      try {
        process.kill(this.watchdogPid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      this.watchdogPid = undefined;
    }
    const owner = readJson<ProcessIdentity>(this.lockFile);
    if (owner?.pid === process.pid) rmSync(this.lockFile, { force: true });
  }

  private save(): void {
    writeJsonAtomically(this.childrenFile, this.children);
    const pidsTemporary = `${this.pidsFile}.${process.pid}.tmp`;
    writeFileSync(pidsTemporary, this.children.map((child) => `${child.identity.pid}\n`).join(''));
    renameSync(pidsTemporary, this.pidsFile);
  }
}
