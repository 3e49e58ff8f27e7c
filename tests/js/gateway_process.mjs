// The real socialrx binary as a child process for the Node.js tests: `serve` on a free port of
// 127.0.0.1 with a fresh temporary data directory, ready when GET /healthz answers 200.
//
// Environment: SOCIALRX_BINARY (default: build/socialrx under the repository root),
// SOCIALRX_KEEP_TEST_DIRS (keep the temporary directories).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// Absolute: the server runs in its own working directory.
export const BINARY = resolve(process.env.SOCIALRX_BINARY || join(REPO_ROOT, 'build', 'socialrx'));
export const KEEP_DIRS = Boolean(process.env.SOCIALRX_KEEP_TEST_DIRS);
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

export class Gateway {
  // extraArgs: after `serve --data DIR --http 127.0.0.1:PORT`.
  constructor({ dev, extraArgs = [] }) {
    this.dev = dev;
    this.extraArgs = extraArgs;
    this.workDir = mkdtempSync(join(tmpdir(), 'socialrx-js-'));
    this.dataDir = join(this.workDir, 'data');
    this.stdout = '';
    this.stderr = '';
    this.exit = null;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}/fhir`;
  }

  tail() {
    return `\n--- socialrx stderr (tail) ---\n${this.stderr.slice(-4000)}` +
      `\n--- socialrx stdout (tail) ---\n${this.stdout.slice(-2000)}`;
  }

  async start() {
    assert.ok(existsSync(BINARY), `socialrx binary not found at ${BINARY} (build it, or set SOCIALRX_BINARY)`);
    // A port that was free a moment ago may be taken by the time the server binds it: retry.
    for (let attempt = 1; ; ++attempt) {
      this.port = await freePort();
      this.stdout = '';
      this.stderr = '';
      this.exit = null;
      const args = ['serve', ...(this.dev ? ['--dev'] : []), '--data', this.dataDir,
        '--http', `127.0.0.1:${this.port}`, ...this.extraArgs];
      // --dev has an MLLP channel (default port 2575): tests run side by side, so it takes any
      // free port unless the test chose one.
      if (this.dev && !this.extraArgs.includes('--mllp')) args.push('--mllp', '127.0.0.1:0');
      this.process = spawn(BINARY, args, { cwd: this.workDir, stdio: ['ignore', 'pipe', 'pipe'] });
      this.process.stdout.setEncoding('utf8').on('data', (chunk) => { this.stdout += chunk; });
      this.process.stderr.setEncoding('utf8').on('data', (chunk) => { this.stderr += chunk; });
      this.exited = new Promise((done) => {
        this.process.once('exit', (code, signal) => {
          this.exit = { code, signal };
          done(this.exit);
        });
        // Could not be started at all (no 'exit' follows).
        this.process.once('error', (error) => {
          this.exit = { code: null, signal: null, error: error.message };
          done(this.exit);
        });
      });
      const problem = await this.waitReady();
      if (!problem) return;
      if (this.exit !== null && attempt < 3 && /in use|bind/i.test(this.stderr)) continue;
      await this.kill();
      assert.fail(`socialrx serve did not become ready: ${problem}${this.tail()}`);
    }
  }

  // undefined when GET /healthz answered 200, otherwise why not.
  async waitReady() {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exit !== null) return `it exited (${JSON.stringify(this.exit)})`;
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/healthz`,
          { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.status === 200) return undefined;
        last = `GET /healthz answered ${response.status}`;
      } catch (error) {
        last = `GET /healthz failed: ${error.cause?.code ?? error.message}`;
      }
      await sleep(50);
    }
    return `not ready after ${READY_TIMEOUT_MS} ms (${last})`;
  }

  // SIGTERM; the exit code (null when it had to be killed or died of a signal).
  async stop() {
    if (this.exit !== null) return this.exit.code;
    this.process.kill('SIGTERM');
    const exit = await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS).then(() => null)]);
    if (exit === null) {
      await this.kill();
      assert.fail(`socialrx did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM${this.tail()}`);
    }
    return exit.code;
  }

  async kill() {
    if (this.process && this.exit === null) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }

  cleanUp(failed) {
    if (!KEEP_DIRS && !failed) rmSync(this.workDir, { recursive: true, force: true });
    else process.stderr.write(`kept ${this.workDir}\n`);
  }
}

