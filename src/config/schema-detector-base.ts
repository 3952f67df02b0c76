/** The keys every detector entry has, whatever its kind. */
import { z } from 'zod';
import { severities } from '../../detectors/types.js';
import { identifier } from './schema-values.js';

export const detectorBase = {
  id: identifier.meta({ description: 'Unique detector id; plan rules and anomalies refer to it.', examples: ['pool-large-withdraw'] }),
  severity: z.enum(severities).meta({ description: 'Severity of the anomalies it raises.', examples: ['critical'] }),
  enabled: z.boolean().default(true).meta({ description: 'Set false to keep a detector in the file without running it.' }),
  mode: z.enum(['act', 'observe']).default('act').meta({
    description:
      'observe: its anomalies are recorded and notified like any other, but the plan takes no pause step for them — for a new detector watched in production before it is trusted.',
    examples: ['observe'],
  }),
};
