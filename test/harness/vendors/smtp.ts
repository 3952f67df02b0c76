/**
 * A local SMTP server (smtp-server) standing in for a mail relay. It accepts AUTH PLAIN/LOGIN with
 * one user and password (535 otherwise), parses every message's MIME (headers, multipart/alternative
 * parts, quoted-printable and base64, encoded-word subjects) and records it with what is missing:
 * From, To, Subject, Message-ID, a text/plain and a text/html part.
 *
 * `script` makes the next messages fail: `{ code: 451 }` (transient) or `{ code: 550 }` (permanent)
 * is the reply to the message data; 'hang' never replies (the client's socket timeout fires).
 */
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  headers: Record<string, string>;
  subject: string;
  text?: string;
  html?: string;
  problems: string[];
}

export interface SmtpStandIn {
  host: string;
  port: number;
  user: string;
  password: string;
  mails: ReceivedMail[];
  /** Sessions that reached the data stage, answered or not. */
  dataAttempts: number;
  script: ({ code: number; message?: string } | 'hang')[];
  close(): Promise<void>;
}

export async function startSmtpStandIn(options: { user?: string; password?: string } = {}): Promise<SmtpStandIn> {
  const user = options.user ?? 'warden@example.com';
  const password = options.password ?? 'smtp-Pa55word-0123456789';
  const state: Pick<SmtpStandIn, 'mails' | 'script' | 'dataAttempts'> = { mails: [], script: [], dataAttempts: 0 };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        state.dataAttempts++;
        const scripted = state.script.shift();
        if (scripted === 'hang') return;
        if (scripted) return callback(Object.assign(new Error(scripted.message ?? 'scripted failure'), { responseCode: scripted.code }));
        const mail = parseMail(Buffer.concat(chunks).toString('utf8'));
        state.mails.push({
          ...mail,
          envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address) },
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return Object.assign(state, {
    host: '127.0.0.1',
    port,
    user,
    password,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function parseMail(raw: string): Omit<ReceivedMail, 'envelope'> {
  const { headers, body } = splitHeaders(raw);
  const parts: { type: string; body: string }[] = [];
  collectParts(headers, body, parts);
  const text = parts.find((part) => part.type === 'text/plain')?.body;
  const html = parts.find((part) => part.type === 'text/html')?.body;
  const subject = decodeWords(headers.subject ?? '');
  const problems = ['from', 'to', 'subject', 'message-id'].filter((name) => !headers[name]).map((name) => `missing ${name} header`);
  if (text === undefined) problems.push('no text/plain part');
  if (html === undefined) problems.push('no text/html part');
  return { headers, subject, ...(text !== undefined ? { text } : {}), ...(html !== undefined ? { html } : {}), problems };
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function collectParts(headers: Record<string, string>, body: string, parts: { type: string; body: string }[]): void {
  const type = (headers['content-type'] ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
    if (!boundary) return;
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHeaders(chunk.replace(/^\r?\n/, ''));
      collectParts(part.headers, part.body, parts);
    }
    return;
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    : encoding === 'quoted-printable' ? decodeQuotedPrintable(body)
    : body;
  parts.push({ type, body: decoded.replace(/\r\n/g, '\n').replace(/\n$/, '') });
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=). */
function decodeWords(text: string): string {
  return text
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
