import { describe, expect, it } from 'vitest';
import { hostileText } from '../../test/harness/vendors/messages.js';
import { emailSubject, escapeDiscordMarkdown, escapeHtml, escapeSlackMrkdwn, neutralize, truncate } from './escape.js';

describe('neutralize', () => {
  it('breaks every @mention with a zero-width space, keeps it readable', () => {
    const out = neutralize('@everyone @here @channel <@U1> <@&12> <!channel>');
    expect(out).not.toMatch(/@(everyone|here|channel|U1|&12)|<!/);
    expect(out.replace(/\u200b/g, '')).toBe('@everyone @here @channel <@U1> <@&12> <!channel>');
  });

  it('defangs urls and keeps one line without control or bidi characters', () => {
    const out = neutralize('see https://evil.example/x and www.evil.example\n> quote\r\u202Eevil\u0007');
    expect(out).toBe('see https[:]//evil.example/x and www[.]evil.example > quote evil');
  });
});

describe('channel escapes', () => {
  it('Slack: &, < and > as entities (no <!channel> survives), formatting characters as look-alikes', () => {
    const out = escapeSlackMrkdwn(neutralize(hostileText), { formatting: true });
    expect(out).not.toMatch(/[<>*_~`]/);
    expect(out).toContain('&lt;\u200b!channel&gt;');
    expect(out).toContain('&amp;amp;');
    // Trusted text keeps its characters (an id like pool_drain stays as written).
    expect(escapeSlackMrkdwn('pool_drain <x>')).toBe('pool_drain &lt;x&gt;');
  });

  it('Discord: every markup character backslash-escaped', () => {
    expect(escapeDiscordMarkdown('*a* _b_ ~c~ `d` ||e|| > f # g - h [i](j) <@&1> \\')).toBe(
      '\\*a\\* \\_b\\_ \\~c\\~ \\`d\\` \\|\\|e\\|\\| \\> f \\# g \\- h \\[i\\]\\(j\\) \\<@&1\\> \\\\',
    );
  });

  it('HTML: &, <, >, quotes as entities', () => {
    expect(escapeHtml(`<script>alert("x's")</script> &amp;`)).toBe('&lt;script&gt;alert(&quot;x&#39;s&quot;)&lt;/script&gt; &amp;amp;');
  });

  it('an e-mail subject is one line and bounded', () => {
    expect(emailSubject('a\r\nBcc: victim@example.com')).toBe('a Bcc: victim@example.com');
    expect([...emailSubject('x'.repeat(500))]).toHaveLength(200);
  });

  it('truncate counts code points and marks the cut', () => {
    expect(truncate('🙂'.repeat(5), 3)).toBe('🙂🙂…');
    expect(truncate('short', 10)).toBe('short');
  });
});
