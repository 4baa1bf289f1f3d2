// One child process supervised the way the kubelet runs a container: a readiness probe gates
// "started", a process that exits is restarted with CrashLoopBackOff-style delays, an optional
// liveness probe restarts a process that stops working, and each (re)start is logged.
import { type ChildProcess, spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Restart delays, scaled down from the kubelet's. The kubelet restarts a crashed container at
 * once the first time, then waits 10 s, doubling up to 5 min, and resets the delay once the
 * container has run for 10 min (Kubernetes pod lifecycle, "container restarts"; checked in
 * client-go util/flowcontrol/backoff.go). Locally every figure is a tenth or less: a laptop
 * user waits for a killed worker, not a fleet being protected from restart storms.
 */
export const restartBackoff = Object.freeze({ initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 });

/** A probe's answer; `unsupported` turns the probe off for this process (e.g. a 404). */
export type ProbeResult = 'ok' | 'fail' | 'unsupported';

/** Like a container's livenessProbe (periodSeconds, failureThreshold, initialDelaySeconds). */
export interface LivenessProbe {
  describe: string;
  check(): Promise<ProbeResult>;
  /** @defaultValue 5000 */
  periodMs?: number;
  /** @defaultValue 3 */
  failureThreshold?: number;
  /** @defaultValue 0 (the probe starts once the process is ready) */
  initialDelayMs?: number;
}

/** How to run and watch one child. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** What to try when it does not start, shown with its last log lines. */
  fix: string;
  /** Resolves true once the process serves (the readiness probe); polled until `readyTimeoutMs`. */
  ready?(): Promise<boolean>;
  /** Ready once the process has printed a line containing this (alone or with `ready`). */
  readyWhenPrinted?: string;
  /** @defaultValue 60000 */
  readyTimeoutMs?: number;
  liveness?: LivenessProbe;
  /** Runs before every (re)start, e.g. an append-only-file check. */
  beforeStart?(): Promise<void>;
  /** Lines for which this returns false are kept for diagnostics but not printed. */
  printLine?(line: string): boolean;
  /** `never`: an exit is reported, not restarted (tests that drive restarts themselves). @defaultValue always */
  restartPolicy?: 'always' | 'never';
  /** Grace between SIGTERM and SIGKILL when stopping. @defaultValue 10000 */
  terminationGraceMs?: number;
  /** Unix niceness (batch work yields to Redis and the API). */
  niceness?: number;
}

/** A child that did not start: its reason, last log lines and the fix. */
export class ProcessStartError extends Error {
  override name = 'ProcessStartError';
}

export type ProcessState = 'starting' | 'ready' | 'waiting to restart' | 'stopped';

/** Hooks of the runtime that owns the process. */
export interface ProcessEvents {
  log(message: string): void;
  /** Every line the child prints, prefixed, when `printLine` lets it through. */
  output(name: string, line: string, stream: 'stdout' | 'stderr'): void;
  spawned?(name: string, pid: number): void;
  exited?(name: string, pid: number): void;
}

const keptLines = 40;

/** A supervised child process. */
export class ManagedProcess {
  state: ProcessState = 'stopped';
  /** Restarts after exits or failed liveness probes (the kubelet's restartCount). */
  restarts = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private lines: string[] = [];
  private stopping = false;
  private nextDelayMs = 0;
  private startedAt = 0;
  private printedReadyLine = false;
  private wake = new AbortController();

  constructor(
    readonly spec: ProcessSpec,
    private readonly events: ProcessEvents,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  isReady(): boolean {
    return this.state === 'ready';
  }

  /** The PID of the running child (its process group id too), if any. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** The last lines the child printed (all of them, printed or not). */
  lastLines(count = 15): string[] {
    return this.lines.slice(-count);
  }

  /**
   * First start: spawns and waits for readiness. Rejects with {@link ProcessStartError} when the
   * process exits or is not ready in time; afterwards exits are restarted (policy `always`).
   */
  async start(): Promise<void> {
    this.stopping = false;
    this.wake = new AbortController();
    await this.spawnAndWaitReady(true);
  }

  private async spawnAndWaitReady(throwOnFailure: boolean): Promise<void> {
    if (this.spec.beforeStart) await this.spec.beforeStart();
    if (this.stopping) return;
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env ?? process.env,
      // Its own process group: the runtime stops children in order and signals whole groups.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.state = 'starting';
    this.printedReadyLine = false;
    this.startedAt = Date.now();
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    if (child.pid !== undefined) {
      this.events.spawned?.(this.name, child.pid);
      if (this.spec.niceness !== undefined) {
        try {
          setPriority(child.pid, this.spec.niceness);
        } catch {
          /* not permitted here: normal priority */
        }
      }
    }
    this.capture(child.stdout, 'stdout');
    this.capture(child.stderr, 'stderr');
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    const timeoutMs = this.spec.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let failure: string | undefined;
    const exitedEarly = this.exited.then(() => 'exited');
    const errored = spawnError.then((error) => `could not be started (${error.message})`);
    while (!this.stopping) {
      const outcome = await Promise.race([this.probeReadiness().then((ok) => (ok ? 'ready' : 'not yet')), exitedEarly, errored]);
      if (outcome === 'ready') {
        this.state = 'ready';
        this.startLiveness(child);
        return;
      }
      if (outcome !== 'not yet') {
        failure = outcome === 'exited' ? `exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was ready` : outcome;
        break;
      }
      if (Date.now() > deadline) {
        failure = `was not ready within ${timeoutMs / 1000} s`;
        break;
      }
      await sleep(100);
    }
    if (this.stopping) return;
    const lines = this.lastLines().map((line) => `    ${line}`);
    const message = [
      `${this.name} ${failure ?? 'did not start'}.`,
      lines.length > 0 ? `  Its last lines:\n${lines.join('\n')}` : '  It printed nothing.',
      `  Fix: ${this.spec.fix}`,
    ].join('\n');
    if (throwOnFailure) {
      this.stopping = true;
      await this.terminate();
      throw new ProcessStartError(message);
    }
    // A restart that does not come up is retried with the back-off (CrashLoopBackOff).
    this.events.log(message);
    await this.terminate();
  }

  private async probeReadiness(): Promise<boolean> {
    if (this.spec.readyWhenPrinted !== undefined && !this.printedReadyLine) return false;
    return this.spec.ready ? this.spec.ready() : true;
  }

  private capture(stream: NodeJS.ReadableStream | null, kind: 'stdout' | 'stderr'): void {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        this.lines.push(line);
        if (this.spec.readyWhenPrinted !== undefined && line.includes(this.spec.readyWhenPrinted)) this.printedReadyLine = true;
        if (this.spec.printLine?.(line) ?? true) this.events.output(this.name, line, kind);
      }
      if (this.lines.length > keptLines * 2) this.lines = this.lines.slice(-keptLines);
    });
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child.pid !== undefined) this.events.exited?.(this.name, child.pid);
    if (this.child !== child) return;
    if (this.stopping || this.state === 'starting') {
      if (this.stopping) this.state = 'stopped';
      return;
    }
    const how = signal ?? `code ${code}`;
    if ((this.spec.restartPolicy ?? 'always') === 'never') {
      this.state = 'stopped';
      this.events.log(`${this.name} exited (${how})`);
      return;
    }
    void this.restartAfterBackoff(`exited (${how})`);
  }

  private async restartAfterBackoff(why: string): Promise<void> {
    if (Date.now() - this.startedAt >= restartBackoff.resetAfterMs) this.nextDelayMs = 0;
    const delayMs = this.nextDelayMs;
    this.nextDelayMs = Math.min(Math.max(restartBackoff.initialMs, delayMs * 2), restartBackoff.maxMs);
    this.restarts += 1;
    this.state = 'waiting to restart';
    this.events.log(
      `${this.name} ${why}; restarting ${delayMs === 0 ? 'now' : `in ${delayMs / 1000} s`} (restart ${this.restarts})`,
    );
    await sleep(delayMs, undefined, { signal: this.wake.signal }).catch(() => undefined);
    if (this.stopping) return;
    try {
      await this.spawnAndWaitReady(false);
      if (this.isReady()) this.events.log(`${this.name} is ready again (PID ${this.child?.pid})`);
    } catch (error) {
      this.events.log(`${this.name} could not be restarted: ${(error as Error).message}`);
    }
    if (!this.stopping && !this.isReady() && this.pid === undefined) void this.restartAfterBackoff('did not start');
  }

  private startLiveness(child: ChildProcess): void {
    const probe = this.spec.liveness;
    if (!probe) return;
    const periodMs = probe.periodMs ?? 5_000;
    const threshold = probe.failureThreshold ?? 3;
    void (async () => {
      await sleep(probe.initialDelayMs ?? 0);
      let failures = 0;
      while (this.child === child && this.state === 'ready' && !this.stopping) {
        const result = await probe.check().catch((): ProbeResult => 'fail');
        if (this.child !== child || this.state !== 'ready' || this.stopping) return;
        if (result === 'unsupported') {
          this.events.log(`${this.name}: ${probe.describe} is not served by this build; liveness probe off`);
          return;
        }
        failures = result === 'ok' ? 0 : failures + 1;
        if (failures >= threshold) {
          this.events.log(`${this.name}: liveness probe ${probe.describe} failed ${failures} times; restarting it`);
          // As the kubelet does: stop the container (SIGTERM, then SIGKILL after the grace
          // period); its exit then takes the ordinary restart path with the back-off.
          await this.signalGroup(child, 'SIGTERM');
          const killed = await Promise.race([this.exited.then(() => false), sleep(this.graceMs()).then(() => true)]);
          if (killed) await this.signalGroup(child, 'SIGKILL');
          return;
        }
        await sleep(periodMs);
      }
    })();
  }

  private graceMs(): number {
    return this.spec.terminationGraceMs ?? 10_000;
  }

  private signalGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        /* gone */
      }
    }
    return Promise.resolve();
  }

  /** Sends `signal` to the child's process group (tests and `npm run chaos` inject faults so). */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child) await this.signalGroup(this.child, signal);
  }

  private async terminate(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // A frozen (SIGSTOPped) process cannot act on SIGTERM.
    await this.signalGroup(child, 'SIGCONT');
    await this.signalGroup(child, signal);
    const killed = await Promise.race([this.exited.then(() => false), sleep(this.graceMs()).then(() => true)]);
    if (killed) {
      this.events.log(`${this.name} did not stop within ${this.graceMs() / 1000} s; killing it`);
      await this.signalGroup(child, 'SIGKILL');
      await this.exited;
    }
  }

  /**
   * Stops for good (no restart): `signal` (SIGTERM; SIGKILL simulates a crash) to the group,
   * SIGKILL after the grace period.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.terminate(signal);
    this.state = 'stopped';
  }
}
