/**
 * Triggers → webhooks. warden's notifications today are generic JSON webhooks, so OZ Monitor's
 * `webhook` triggers become `responders.webhooks` (their url always through a `${VAR}`: webhook
 * urls usually carry a token); Slack, Discord, Telegram, email and script triggers are reported as
 * not converted yet, with the variable they will need. Message templates, HMAC secrets and headers
 * have no equivalent and are reported as differences (header names only, never values).
 */
import type { OzMonitorFolder, OzTrigger, Sourced } from './input.js';
import { slugify, uniqueName, type ImportContext } from './draft.js';
import type { ConvertedMonitor } from './monitors.js';
import { describeUrl, envName, readSecret, type SecretSource } from './secrets.js';

/** Writes the webhooks imported monitors use; returns trigger key → webhook id. */
export function convertTriggers(params: { context: ImportContext; folder: OzMonitorFolder; monitors: ConvertedMonitor[] }): Map<string, string> {
  const { context, folder } = params;
  const webhookIds = new Map<string, string>();
  const ids = new Set<string>();
  const users = new Map<string, { imported: string[]; all: string[] }>();
  for (const monitor of params.monitors) {
    monitor.source.value.triggers.forEach((key, index) => {
      if (!folder.triggers.has(key)) {
        const reason = 'no trigger with this key in triggers/';
        context.report.notConverted.push({ file: monitor.source.file, path: `triggers[${index}]`, subject: `trigger ${key}`, reason });
        return;
      }
      const entry = users.get(key) ?? { imported: [], all: [] };
      entry.all.push(monitor.source.value.name);
      if (monitor.detectorIds.length > 0) entry.imported.push(monitor.source.value.name);
      users.set(key, entry);
    });
  }
  for (const [key, source] of folder.triggers) {
    const used = users.get(key) ?? { imported: [], all: [] };
    const usedBy = used.all.length > 0 ? `; used by ${used.all.map((name) => `"${name}"`).join(', ')}` : '; no monitor uses it';
    const subject = `trigger ${key} (${source.value.trigger_type})`;
    const type = source.value.trigger_type.toLowerCase();
    if (type !== 'webhook') {
      context.report.notConverted.push({ file: source.file, path: key, subject, reason: `${notYet(key, source.value)}${usedBy}` });
      continue;
    }
    if (used.imported.length === 0) {
      const reason = used.all.length > 0 ? `only monitors that were not imported use it${usedBy}` : 'no monitor uses it';
      context.report.notConverted.push({ file: source.file, path: key, subject, reason });
      continue;
    }
    const id = convertWebhook({ context, key, source, id: uniqueName(slugify(key, 'webhook'), ids) });
    if (id) webhookIds.set(key, id);
  }
  context.report.converted.webhooks = context.draft.webhooks.length;
  return webhookIds;
}

function convertWebhook(params: { context: ImportContext; key: string; source: Sourced<OzTrigger>; id: string }): string | undefined {
  const { context, key, source, id } = params;
  const { file, value: trigger } = source;
  const config = trigger.config;
  const subject = `trigger ${key} (webhook)`;
  const secret = isSecret(config.url) ? readSecret(config.url) : undefined;
  const usedAt = `responders.webhooks[${context.draft.webhooks.length}].url`;
  const label = trigger.name ? `webhook "${trigger.name}"` : `webhook ${key}`;
  let url: string;
  if (!secret || secret.kind === 'unknown') {
    context.report.notConverted.push({ file, path: `${key}.config.url`, subject, reason: 'it has no readable url ({"type": "plain" | "environment" | "HashicorpCloudVault", "value": …})' });
    return undefined;
  } else if (secret.kind === 'environment') {
    url = context.env.placeholder({ name: secret.variable, holds: `the url of ${label}, which OZ Monitor read from ${secret.variable}`, usedAt });
  } else {
    const where = secret.kind === 'vault' ? `kept in HashiCorp Cloud Vault as "${secret.secretName}"` : `${describeUrl(secret.value)}, inline in ${file}, not copied`;
    url = context.env.placeholder({ name: envName(key, 'URL'), holds: `the url of ${label} (${where})`, usedAt });
  }
  context.draft.webhooks.push({ value: { id, url }, comment: `${file} ${key}${trigger.name ? ` (${trigger.name})` : ''}` });
  const differ = (path: string, reason: string) => context.report.differences.push({ file, path: `${key}.config.${path}`, subject: `webhook ${id}`, reason });
  const method = typeof config.method === 'string' ? config.method.toUpperCase() : 'POST';
  if (method !== 'POST') differ('method', `warden always POSTs; OZ Monitor sent ${method}`);
  if (config.payload_mode === 'raw') differ('payload_mode', "warden posts its own JSON for each incident event, not OZ Monitor's raw match");
  else if (config.message) differ('message', "warden posts its own JSON for each incident event, not this title/body template");
  if (config.secret) differ('secret', "OZ Monitor signed each request (HMAC-SHA256 in X-Signature with X-Timestamp); warden's webhooks are not signed, so a receiver that checks the signature rejects them");
  const headers = config.headers && typeof config.headers === 'object' ? Object.keys(config.headers).filter((name) => name.toLowerCase() !== 'content-type') : [];
  if (headers.length > 0) differ('headers', `headers not sent: ${headers.join(', ')} (warden's webhooks send only Content-Type: application/json)`);
  return id;
}

/** "not converted yet" with the variable the channel will need (names only, never values). */
function notYet(key: string, trigger: OzTrigger): string {
  const config = trigger.config;
  const variable = (field: unknown, suffix: string): string => {
    const secret: SecretSource | undefined = isSecret(field) ? readSecret(field) : undefined;
    return secret?.kind === 'environment' ? secret.variable : envName(key, suffix);
  };
  switch (trigger.trigger_type.toLowerCase()) {
    case 'slack':
      return `Slack notifications are not converted yet (they come with warden's notification channels); it will need the Slack webhook url in an environment variable such as ${variable(config.slack_url, 'URL')}`;
    case 'discord':
      return `Discord notifications are not converted yet (they come with warden's notification channels); it will need the Discord webhook url in an environment variable such as ${variable(config.discord_url, 'URL')}`;
    case 'telegram':
      return `Telegram notifications are not converted yet (they come with warden's notification channels); it will need the bot token in an environment variable such as ${variable(config.token, 'TOKEN')}`;
    case 'email': {
      const recipients = Array.isArray(config.recipients) ? config.recipients.length : 0;
      return `email notifications are not converted yet (they come with warden's notification channels); it will need the SMTP password in an environment variable such as ${variable(config.password, 'SMTP_PASSWORD')} (OZ Monitor sent to ${recipients} recipient${recipients === 1 ? '' : 's'})`;
    }
    case 'script':
      return `warden does not run scripts, so the notification script ${typeof config.script_path === 'string' ? config.script_path : ''} has no equivalent; a webhook to a small service can do its work`;
    default:
      return `unknown trigger type "${trigger.trigger_type}"`;
  }
}

function isSecret(value: unknown): value is Parameters<typeof readSecret>[0] {
  if (typeof value === 'string') return true;
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && typeof (value as { value?: unknown }).value === 'string';
}
