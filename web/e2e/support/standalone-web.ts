// Starts the built web app (the standalone server, as the container runs it) on a free port with
// no API behind it, for browser tests that answer /api and /local themselves (page.route).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A local port with nothing listening on it. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A running standalone web server and how to stop it. */
export interface StandaloneWeb {
  url: string;
  stop: () => Promise<void>;
}

/** Serves `.next/standalone` (built by the stack's start, or `npm run build --workspace web`). */
export async function startStandaloneWeb(env: Record<string, string> = {}): Promise<StandaloneWeb> {
  const [webPort, apiPort] = [await closedPort(), await closedPort()];
  const server: ChildProcess = spawn(process.execPath, [join(webRoot, 'scripts', 'serve-standalone.mjs')], {
    env: { ...process.env, PORT: String(webPort), HOSTNAME: '127.0.0.1', API_URL: `http://127.0.0.1:${apiPort}`, ...env },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${webPort}`;
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(
        `the standalone web server exited (code ${server.exitCode}): is the app built (npm run build --workspace web)?`,
      );
    }
    const up = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error('the standalone web server did not start within 60 s');
}
