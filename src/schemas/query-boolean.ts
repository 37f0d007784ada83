/** A boolean query parameter: exactly `true` or `false` (anything else is a 400 naming it). */
import * as z from 'zod';

export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
