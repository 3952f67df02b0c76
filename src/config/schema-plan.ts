/**
 * The incident-response plan as config: roles (who is on call, on which channels), rules (per
 * detector or severity, the automatic steps), escalation when nobody acknowledges, quiet hours,
 * cooldowns and dry runs. References between these and `responders` are checked in
 * cross-checks-plan.ts.
 */
import { z } from 'zod';
import { severities } from '../../detectors/types.js';
import { duration, identifier } from './schema-values.js';

const dryRun = z
  .boolean()
  .optional()
  .meta({ description: 'Record and print what this step would do, send nothing (overrides plan.dryRun for this step when false).', examples: [true] });

const step = z.union(
  [
    z.object({ pause: identifier.describe('Id of a responders.pauses entry.'), dryRun }).strict(),
    z.object({ notify: identifier.describe('Id of a responders.channels or responders.webhooks entry.'), dryRun }).strict(),
    z.object({ page: identifier.describe('Id of a plan.roles entry: every channel of that role is paged, and escalation starts.'), dryRun }).strict(),
    z.literal('record').describe('Open or join the incident record (always done; listed for clarity).'),
  ],
  { error: 'expected "record", {pause: <pause id>}, {notify: <channel or webhook id>} or {page: <role id>}' },
);

const planRule = z
  .object({
    name: z.string().optional().meta({ description: 'A label for people; shown in incident timelines.', examples: ['contain criticals'] }),
    match: z
      .object({
        detectors: z.array(identifier).optional().meta({ description: 'Detector ids this rule applies to.', examples: [['pool-drain']] }),
        minSeverity: z.enum(severities).optional().meta({ description: 'Applies to anomalies of this severity or worse.', examples: ['high'] }),
      })
      .strict()
      .refine((m) => m.detectors !== undefined || m.minSeverity !== undefined, { message: 'set detectors, minSeverity, or both' })
      .describe('Which anomalies the rule applies to; with both keys set, both must match.'),
    steps: z
      .array(step)
      .min(1, 'expected at least one step')
      .meta({ description: 'Done in order: pause, record, notify and page.', examples: [[{ pause: 'pool-pause' }, 'record', { page: 'primary' }, { notify: 'team-slack' }]] }),
  })
  .strict();

const role = z
  .object({
    id: identifier.meta({ description: 'Id that `page` steps and escalation levels refer to.', examples: ['primary'] }),
    description: z.string().optional().meta({ description: 'Who this is, for people reading the plan.', examples: ['Protocol on-call (PagerDuty rotation)'] }),
    channels: z
      .array(identifier)
      .min(1, 'expected at least one channel id')
      .meta({ description: 'Ids of responders.channels or responders.webhooks entries that reach this role.', examples: [['pagerduty-primary']] }),
  })
  .strict();

const escalationLevel = z
  .object({
    after: duration
      .refine((seconds) => seconds > 0, 'expected a duration > 0')
      .meta({ description: 'Time since the first page; if nobody has acknowledged (or resolved) the incident by then, these roles are paged.', examples: ['10m'] }),
    page: z
      .union([z.array(identifier).min(1, 'expected at least one role id'), z.literal('everyone')], { error: 'expected a list of role ids or "everyone"' })
      .meta({ description: 'Role ids to page, or "everyone" for every role in plan.roles.', examples: [['secondary'], 'everyone'] }),
  })
  .strict();

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM (24h), e.g. 22:00');

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const quietHours = z
  .object({
    from: clock.meta({ description: 'Start of the quiet period (local time of `timezone`).', examples: ['22:00'] }),
    to: clock.meta({ description: 'End of the quiet period; earlier than `from` means it ends the next day.', examples: ['07:00'] }),
    timezone: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'expected an IANA time zone like Europe/Berlin or UTC')
      .meta({ description: 'IANA time zone of `from` and `to`.', examples: ['Europe/Berlin'] }),
    days: z
      .array(z.enum(weekdays))
      .optional()
      .meta({ description: 'Days on which the quiet period starts; default every day.', examples: [['sat', 'sun']] }),
  })
  .strict()
  .refine((q) => q.from !== q.to, { message: 'from and to are equal; remove quietHours or give a period' });

export const planSchema = z
  .object({
    incidentWindow: duration
      .default(600)
      .meta({ description: 'Anomalies on the same protocol within this window join the open incident.', examples: ['10m'] }),
    cooldown: duration.default(300).meta({
      description:
        'Within one incident, a channel or webhook hears the same event (e.g. incident.updated) at most once per cooldown: a storm of anomalies pages once. A new status (contained, failed) or a higher severity is always sent. 0 turns it off.',
      examples: ['5m'],
    }),
    roles: z.array(role).default([]).describe('Who is on call and how to reach them; `page` steps and escalation name these.'),
    escalation: z
      .array(escalationLevel)
      .default([])
      .meta({
        description:
          'When an incident was paged and nobody acknowledges it (`warden incidents ack`), page more people: each level after its time since the first page. Levels in increasing `after`.',
        examples: [[{ after: '10m', page: ['secondary'] }, { after: '20m', page: 'everyone' }]],
      }),
    quietHours: quietHours
      .optional()
      .describe(
        'Pages (page steps and escalation) of incidents below critical wait until the quiet period ends; critical incidents page at once. notify steps are not affected.',
      ),
    dryRun: z
      .boolean()
      .default(false)
      .meta({ description: 'Record and print what every step would do, send nothing (no pause, no notification). A step\'s own dryRun overrides it.', examples: [true] }),
    rules: z
      .array(planRule)
      .min(1, 'expected at least one rule')
      .describe('Every matching rule runs; a step named by several rules runs once.'),
  })
  .strict()
  .describe('Which anomalies lead to which steps, and who hears of them.');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
