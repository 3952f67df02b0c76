/**
 * Error texts that are safe to log, store in Redis (BullMQ keeps `failedReason` and `stacktrace` for
 * 30 days) or put in an incident record (DESIGN invariant 5).
 *
 * viem's full messages quote the request body and the RPC url, which often carries an API key in its
 * path or query (`URL: https://host/v2/KEY`). Only a first line is ever kept, preferring viem's
 * `details` (the node's own words) or `shortMessage`, and anything that looks like a url is cut out.
 */

/** The first line of an error's message (or of `String(error)`), as is. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

const urlPattern = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi;
/** Labels viem puts before a url or a request body; whatever follows them on the line is dropped. */
const secretBearingLabel = /\s*\b(?:URL|Request body|Request Arguments|Raw Call Arguments):.*$/i;

/**
 * One short line describing `error` without urls, request bodies or later lines.
 * @example describeError(httpRequestError) // "fetch failed" (not "… URL: https://host/v2/KEY …")
 */
export function describeError(error: unknown, maxLength = 300): string {
  const text = viemText(error) ?? firstLine(error);
  const line = (text.split('\n')[0] ?? '').replace(secretBearingLabel, '').replace(urlPattern, '<url>').trim();
  return (line || (error instanceof Error ? error.name : 'unknown error')).slice(0, maxLength);
}

/** viem's BaseError: `details` is the node's (or fetch's) answer; `shortMessage` is viem's summary. */
function viemText(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { details, shortMessage } = error as { details?: unknown; shortMessage?: unknown };
  if (typeof details === 'string' && details.trim() !== '') return details;
  if (typeof shortMessage === 'string' && shortMessage.trim() !== '') return shortMessage;
  return undefined;
}
