import { describe, expect, it } from 'vitest';
import { hostileMessage, pauseTxHash, poolAddress, sampleMessage, txHash } from '../../test/harness/vendors/messages.js';
import { defaultTemplates, limits, linePlainText, renderNotification, renderPlainText } from './templates.js';
import { notificationEvents } from './types.js';

describe('renderNotification', () => {
  it('shows severity, protocol, chain, what was detected, what warden did, and what to do next, with explorer links', () => {
    const rendered = renderNotification(sampleMessage());
    expect(linePlainText(rendered.title)).toBe('Contained: lendco on mainnet is paused');
    expect(rendered.facts.map((fact) => `${fact.label}=${linePlainText(fact.value)}`)).toEqual([
      'Severity=CRITICAL',
      'Protocol=lendco',
      'Chain=mainnet (1)',
      'Incident=inc_0m5abc12d3e4f5a6b7c8',
      'Status=contained',
    ]);
    expect(rendered.sections.map((section) => section.heading)).toEqual(['What was detected', 'What warden did', 'What you must do next']);
    const hrefs = rendered.sections.flatMap((section) => section.lines.flat()).flatMap((segment) => (segment.href ? [segment.href] : []));
    expect(hrefs).toEqual([
      'https://etherscan.io/block/19000000',
      `https://etherscan.io/tx/${txHash}`,
      `https://etherscan.io/address/${poolAddress}`,
      'https://etherscan.io/block/19000001',
      `https://etherscan.io/tx/${pauseTxHash}`,
    ]);
    expect(renderPlainText(rendered)).toContain('- When it is fixed, warden recover inc_0m5abc12d3e4f5a6b7c8 prepares the unpause for a person to send.');
  });

  it('has a default title and next steps for every event', () => {
    for (const event of notificationEvents) {
      const rendered = renderNotification(sampleMessage({ event, actor: { name: 'alice' } }));
      expect(linePlainText(rendered.title), event).not.toContain('{');
      expect(rendered.sections.at(-1)!.lines.length, event).toBeGreaterThan(0);
    }
    expect(linePlainText(renderNotification(sampleMessage({ event: 'incident.acknowledged', actor: { name: 'alice' } })).title)).toBe('Acknowledged by alice: lendco on mainnet');
  });

  it('puts the Safe co-signers first when a pause was proposed', () => {
    const message = sampleMessage({
      event: 'incident.opened',
      actions: [{ status: 'proposed', targetId: 'vault-pause', safeTxHash: `0x${'5e'.repeat(32)}`, signingUrl: 'https://app.safe.global/transactions/tx?safe=eth:0xabc&id=1' }],
    });
    const next = renderNotification(message).sections.at(-1)!;
    expect(linePlainText(next.lines[0]!)).toBe('Safe co-signers: sign and execute the pause of vault-pause at the Safe signing page (https://app.safe.global/transactions/tx?safe=eth:0xabc&id=1)');
  });

  it('marks chain data untrusted and never links a value that is not a hash or an address', () => {
    const rendered = renderNotification(hostileMessage());
    const segments = rendered.sections.flatMap((section) => section.lines.flat());
    expect(segments.filter((segment) => segment.href).map((segment) => segment.href)).toEqual(['https://etherscan.io/block/19000000', `https://etherscan.io/tx/${txHash}`]);
    for (const segment of segments) {
      if (/evil|script|everyone/.test(segment.text)) expect(segment.untrusted, segment.text).toBe(true);
    }
    expect(renderPlainText(rendered)).not.toMatch(/@everyone|https?:\/\/evil/);
  });

  it('bounds untrusted values', () => {
    const message = sampleMessage();
    message.detection!.summary = 'x'.repeat(10_000);
    message.detection!.evidence = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`k${index}`, 'v'.repeat(1000)]));
    const detected = renderNotification(message).sections[0]!;
    expect(detected.lines.length).toBe(3 + limits.evidenceEntries + 1);
    expect(Math.max(...detected.lines.map((line) => linePlainText(line).length))).toBeLessThan(600);
  });

  it('applies overrides with placeholders; {summary} and {actor} stay untrusted', () => {
    const rendered = renderNotification(hostileMessage({ event: 'incident.opened' }), {
      'incident.opened': { title: '{SEVERITY} {protocol}: {summary}', nextSteps: ['Page `{incident}` now'] },
    });
    expect(rendered.title.find((segment) => segment.text.includes('<!channel>'))?.untrusted).toBe(true);
    expect(rendered.sections.at(-1)!.lines).toEqual([[{ text: 'Page ' }, { text: 'inc_0m5abc12d3e4f5a6b7c8', code: true }, { text: ' now' }]]);
    expect(defaultTemplates['incident.opened'].title).toContain('{protocol}');
  });
});
