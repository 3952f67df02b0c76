/**
 * Redis MONITOR over a plain socket: every command the server executes, in order, as its arguments.
 * (ioredis's `monitor()` loses its command queue when traffic starts before its own MONITOR reply.)
 *
 * @example
 *   const monitor = await monitorRedis({ port, onCommand: (args) => args[0] === 'set' && seen.push(args) });
 *   await monitor.close();
 */
import { connect } from 'node:net';

export interface RedisMonitor {
  close(): Promise<void>;
}

/** Splits one MONITOR line (`1700000000.123 [0 127.0.0.1:5000] "set" "key" "va\"lue"`) into its unescaped arguments. */
export function parseMonitorLine(line: string): string[] {
  const args: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"/g;
  const start = line.indexOf(']');
  pattern.lastIndex = start < 0 ? 0 : start;
  for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
    args.push(match[1]!.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_all, escape: string) => {
      if (escape.startsWith('x') && escape.length === 3) return String.fromCharCode(Number.parseInt(escape.slice(1), 16));
      return { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' }[escape] ?? escape;
    }));
  }
  return args;
}

/** Resolves once the server acknowledged MONITOR: every command after that is reported. Command names are lowercased. */
export function monitorRedis(params: { port: number; host?: string; onCommand(args: string[]): void }): Promise<RedisMonitor> {
  const socket = connect(params.port, params.host ?? '127.0.0.1');
  let buffered = '';
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (line === '+OK') {
          resolve({ close: () => new Promise<void>((done) => socket.end(done)) });
          continue;
        }
        const args = parseMonitorLine(line.slice(1));
        if (args.length > 0) params.onCommand([args[0]!.toLowerCase(), ...args.slice(1)]);
      }
    });
  });
}
