/**
 * Escaping for each channel's markup. Every value that comes from chain data (summaries, evidence,
 * revert reasons, token names) is attacker-controlled: it must come out as the literal text it is —
 * no mention that pings people, no link whose text hides its target, no formatting that could make
 * a forged line look like warden's own.
 *
 * Two layers:
 * 1. `neutralize` (untrusted values only, every channel): drops control and bidi-override characters
 *    and line breaks (a value cannot start a new line, a quote or a list), breaks `@name` mentions
 *    and Slack's `<!channel>` forms with a zero-width space (U+200B, as discord.js does: `@everyone`
 *    stays readable but no client parses it), and defangs urls (`http[:]//evil`) so no client turns them into links.
 * 2. the markup escape of the channel (all text, trusted or not), below.
 *
 * Why neutralize PagerDuty, Opsgenie and webhook fields too, though they are plain JSON: those
 * vendors forward alerts into Slack and Teams through their own integrations, whose escaping we do
 * not control, and a receiver of the webhook may paste `text` into a chat. A zero-width space costs
 * nothing there. The webhook's structured fields stay raw (receivers need exact data) and are
 * documented as untrusted.
 */

const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
/** Bidi overrides and isolates (Trojan-Source-style reordering), marks, and the BOM. */
const bidiCharacters = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const lineBreaks = /\r\n|[\r\n\t\u2028\u2029\u0085]/g;
const zeroWidthSpace = '\u200b';

/** Makes an untrusted value inert in any chat client: one line, no mentions, no clickable urls. */
export function neutralize(text: string): string {
  return text
    .replace(lineBreaks, ' ')
    .replace(controlCharacters, '')
    .replace(bidiCharacters, '')
    .replace(/@(?=[\p{L}\p{N}_&!#])/gu, `@${zeroWidthSpace}`)
    .replace(/<!/g, `<${zeroWidthSpace}!`)
    .replace(/\b([a-z][a-z0-9+.-]{0,30}):\/\//gi, '$1[:]//')
    .replace(/\bwww\./gi, 'www[.]');
}

/** Cuts `text` to at most `max` characters (code points), marking the cut with "…". */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * Slack mrkdwn. Slack's control characters are &, < and > (its docs: replace them with &amp; &lt;
 * &gt;); that alone defuses `<!channel>`, `<@U…>`, `<!subteam^…>` and `<url|text>` links. mrkdwn
 * has no escape for *, _, ~ and `: in untrusted text (`formatting: true`) they become look-alikes
 * (∗ ˍ ∼ ˋ) so nothing turns bold, italic, struck or code. Text objects are also sent with
 * `verbatim: true`, so bare urls and channel names are not linkified.
 */
export function escapeSlackMrkdwn(text: string, options: { formatting?: boolean } = {}): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (!options.formatting) return escaped;
  return escaped.replace(/\*/g, '\u2217').replace(/_/g, '\u02cd').replace(/~/g, '\u223c').replace(/`/g, '\u02cb');
}

/** Slack plain_text (the header block): no parsing happens, but <, > and & are swapped for look-alikes so no client version can read them as markup. */
export function escapeSlackPlainText(text: string): string {
  return text.replace(/&/g, '\uff06').replace(/</g, '\u2039').replace(/>/g, '\u203a');
}

/**
 * Discord markdown: a backslash before every markup character (Discord renders `\*` as `*`), so
 * `*bold*`, `__u__`, `~~s~~`, `` `code` ``, `||spoiler||`, `> quote`, `# heading`, `- list` and
 * `[text](url)` masked links stay literal, and `<@&role>` / `<#channel>` / `<t:…>` are not parsed.
 * Pings are also switched off for the whole message with `allowed_mentions: {parse: []}`.
 */
export function escapeDiscordMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#<[\]()-]/g, '\\$&');
}

/** HTML text (Telegram parse_mode HTML and email): &, <, >, " and ' as entities. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** An e-mail subject: one line, no control characters (nodemailer encodes the rest). */
export function emailSubject(text: string): string {
  return truncate(text.replace(lineBreaks, ' ').replace(controlCharacters, '').replace(bidiCharacters, ''), 200);
}
