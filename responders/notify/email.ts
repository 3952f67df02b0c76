/**
 * E-mail over SMTP with nodemailer: a multipart/alternative message with an HTML part (every value
 * HTML-escaped, untrusted ones also neutralized) and a plain-text part. All mails of one incident
 * share `References: <incident id@warden>` so mail clients thread them.
 *
 * Retries: connection errors, timeouts and 4xx SMTP replies (421, 450, 451, 452: transient by
 * RFC 5321); 5xx replies and authentication failures fail at once.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailChannelConfig } from '../../src/config/schema-channels.js';
import { describeError } from '../../src/errors.js';
import { channelLabel, deliveryPolicy, type CreateChannelParameters } from './channel-options.js';
import { deliver, type AttemptOutcome } from './delivery.js';
import { emailSubject, escapeHtml } from './escape.js';
import { htmlLine } from './telegram.js';
import { linePlainText, renderNotification, renderPlainText, type TemplateOverrides } from './templates.js';
import type { NotificationChannel, NotificationMessage } from './types.js';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  messageId: string;
  references: string;
}

export function emailContent(message: NotificationMessage, templates?: TemplateOverrides): EmailContent {
  const rendered = renderNotification(message, templates);
  const facts = rendered.facts.map((fact) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(fact.label)}</th><td>${htmlLine(fact.value)}</td></tr>`).join('');
  const sections = rendered.sections
    .map((section) => `<h3 style="margin:16px 0 4px">${escapeHtml(section.heading)}</h3><ul style="margin:0">${section.lines.map((line) => `<li>${htmlLine(line)}</li>`).join('')}</ul>`)
    .join('');
  const html =
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:14px">' +
    `<h2 style="margin:0 0 8px">${htmlLine(rendered.title)}</h2><table>${facts}</table>${sections}` +
    `<p style="color:#666;margin-top:16px">${escapeHtml(rendered.footer)}</p></body></html>`;
  const domainSafeId = message.incidentId.replace(/[^A-Za-z0-9_.-]/g, '');
  return {
    subject: emailSubject(`[${message.severity.toUpperCase()}] ${linePlainText(rendered.title)}`),
    text: renderPlainText(rendered),
    html,
    headers: { 'X-Warden-Incident': domainSafeId, 'X-Warden-Event': message.event },
    messageId: `<${domainSafeId}.${message.event}.${message.at}@warden>`,
    references: `<${domainSafeId}@warden>`,
  };
}

const defaultPorts = { starttls: 587, tls: 465, none: 25 } as const;
const transientCodes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export function createEmailChannel(params: CreateChannelParameters<EmailChannelConfig>): NotificationChannel {
  const { config } = params;
  const { smtp } = config;
  const password = params.secrets.password;
  if (smtp.user && !password) throw new Error(`channel ${config.id} (email): its password is missing; resolve the channel's secrets with loadChannelSecrets first`);
  const policy = deliveryPolicy(config, params.policy);
  const timeoutMs = policy.attemptTimeoutMs ?? 5_000;
  const transportOptions: SMTPTransport.Options = {
    host: smtp.host,
    port: smtp.port ?? defaultPorts[smtp.security],
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.user ? { auth: { user: smtp.user, pass: password } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Nothing in a message may make nodemailer read a file or fetch a url.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  return {
    id: config.id,
    kind: 'email',
    send: async (message) => {
      const content = emailContent(message, config.templates);
      return deliver({
        label: channelLabel(config),
        secrets: password ? [password] : [],
        policy,
        attempt: async (): Promise<AttemptOutcome> => {
          // A transport per attempt: a failed connection is not reused.
          const transport = nodemailer.createTransport(transportOptions);
          try {
            const info = await transport.sendMail({ from: config.from, to: config.to, ...content });
            return { ok: true, status: Number(/^\d{3}/.exec(info.response)?.[0] ?? 250) };
          } catch (error) {
            return classifySmtpError(error);
          } finally {
            transport.close();
          }
        },
      });
    },
  };
}

function classifySmtpError(error: unknown): AttemptOutcome {
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  const detail = describeError(error, 200);
  if (typeof responseCode === 'number') {
    return { ok: false, retryable: responseCode >= 400 && responseCode < 500, status: responseCode, error: `SMTP ${responseCode}: ${detail}` };
  }
  return { ok: false, retryable: code !== 'EAUTH' && (code === undefined || transientCodes.has(code)), error: detail };
}
