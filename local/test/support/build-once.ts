// vitest globalSetup: compiles dist/ once, before any test file starts. Test files run two at a
// time; when each rebuilt dist/ in its own beforeAll, one file's `tsc` rewrote the modules
// while another file's runtime was importing them (seen on a fresh clone: "does not provide an
// export named ..." from a half-written dist/). buildFunctions() is then a no-op in the files.
import { buildFunctions, builtForThisRunEnv } from './runtime-under-test.js';

export default function setup(): void {
  buildFunctions();
  process.env[builtForThisRunEnv] = '1';
}
