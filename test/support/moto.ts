/**
 * Starts and stops a private moto server (https://docs.getmoto.org) on 127.0.0.1, which stands in for RDS in the
 * tests, the demo and the benchmarks.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, createWriteStream, statSync, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

/** A running moto server. */
export interface MotoServer {
  /** The base URL to point AWS SDK clients at, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** The TCP port the server listens on. */
  readonly port: number;
  /** The process id of the server. */
  readonly pid: number;
  /** Stops the server and resolves once its process has exited. Calling it again does nothing. */
  stop(): Promise<void>;
}

/** How to start moto. */
export interface StartMotoOptions {
  /**
   * The environment to look the command up in and to run it with.
   * @default - this process's environment
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The command to run.
   * @default 'moto_server'
   */
  readonly command?: string;
  /**
   * How long to wait for the server to answer, in milliseconds.
   * @default 20000
   */
  readonly startupTimeoutMs?: number;
  /**
   * A file to append the server's own log to (one line per request), for debugging.
   * @default - the log is kept in memory only, and its end is quoted when startup fails
   */
  readonly logFile?: string;
}

const INSTALL_HINT = 'install it with `pip install "moto[server]"`';
const DEFAULT_STARTUP_TIMEOUT_MS = 20_000;
const LOG_TAIL_CHARS = 4000;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5000;
const START_ATTEMPTS = 3;

/** Servers still running, so that they can be killed if this process exits without stopping them. */
const runningServers = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts moto on a free port of 127.0.0.1 and waits until it answers.
 *
 * @throws Error when `moto_server` is not on the PATH, when it exits during startup, or when it does not answer
 * within `startupTimeoutMs`
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const env = options.env ?? process.env;
  const command = options.command ?? 'moto_server';
  const resolved = findExecutable(command, env);
  if (!resolved) {
    throw new Error(`${command} was not found on the PATH; ${INSTALL_HINT}.`);
  }

  // Another process may take the free port between our check and moto binding it, so try a few ports.
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnFreePort(resolved, command, env, options);
    } catch (error) {
      if (!(error instanceof PortTakenError)) {
        throw error;
      }
      lastError = error;
    }
  }
  throw lastError!;
}

/**
 * Clears every resource in the moto server, as if it had just started.
 *
 * @param endpoint the server's base URL, as in {@link MotoServer.endpoint}
 */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(new URL('/moto-api/reset', endpoint), { method: 'POST' });
  if (!response.ok) {
    throw new Error(`Resetting moto at ${endpoint} failed with HTTP status ${response.status}.`);
  }
}

class PortTakenError extends Error {}

async function startOnFreePort(
  executable: string,
  command: string,
  env: NodeJS.ProcessEnv,
  options: StartMotoOptions,
): Promise<MotoServer> {
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], {
    env,
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = captureLog(child, options.logFile);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnFailure = new Promise<never>((_, reject) => child.once('error', (error: NodeJS.ErrnoException) => {
    reject(error.code === 'ENOENT'
      ? new Error(`${command} was not found on the PATH; ${INSTALL_HINT}.`)
      : new Error(`${command} could not be started: ${error.message}`));
  }));
  spawnFailure.catch(() => undefined);
  if (child.pid === undefined) {
    await spawnFailure;
  }
  runningServers.add(child);
  installExitHook();

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    runningServers.delete(child);
    log.close();
  };

  const exitedDuringStartup = exited.then(() => {
    const tail = log.tail();
    if (/address already in use/i.test(tail)) {
      throw new PortTakenError(`Port ${port} was taken before ${command} could bind it.`);
    }
    throw new Error(`${command} exited with code ${child.exitCode} during startup. Its log ended with:\n${tail}`);
  });
  // Once startup is over, the server exiting (for example through stop) is no longer an error.
  exitedDuringStartup.catch(() => undefined);

  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const polling = new AbortController();
  try {
    const answering = await Promise.race([
      waitUntilAnswering(endpoint, startupTimeoutMs, polling.signal),
      spawnFailure,
      exitedDuringStartup,
    ]);
    if (!answering) {
      throw new Error(
        `${command} did not answer at ${endpoint} within ${startupTimeoutMs} ms. Its log ended with:\n${log.tail()}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    polling.abort();
  }

  return { endpoint, port, pid: child.pid!, stop };
}

/** Looks a command up the way a shell would, in the PATH of `env`. */
function findExecutable(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = command.includes(path.sep)
    ? [command]
    : (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '').map((dir) => path.join(dir, command));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') {
          reject(new Error('The operating system did not report the port it gave a test listener.'));
        } else {
          resolve(address.port);
        }
      });
    });
  });
}

/** Polls the server until it answers; resolves to `false` on timeout or once polling is called off. */
async function waitUntilAnswering(endpoint: string, timeoutMs: number, calledOff: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !calledOff.aborted) {
    try {
      const response = await fetch(new URL('/moto-api/', endpoint), { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) {
        return true;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return false;
}

interface CapturedLog {
  tail(): string;
  close(): void;
}

/** Keeps the end of the server's output in memory, and copies it to a file when asked to. */
function captureLog(child: ChildProcess, logFile: string | undefined): CapturedLog {
  let tail = '';
  const file: WriteStream | undefined = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const onChunk = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
    file?.write(chunk);
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  return {
    tail: () => tail,
    close: () => file?.end(),
  };
}

function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of runningServers) {
      child.kill('SIGKILL');
    }
  });
}
