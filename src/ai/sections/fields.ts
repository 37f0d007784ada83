/**
 * Field builders shared by the section schemas. Bounds are generous on purpose: they catch broken
 * or runaway output, not stylistic choices; the prompt asks for the shape the web client renders best.
 */
import * as z from 'zod';

/** A short label (a name, a segment, a timeline). */
export const label = () => z.string().trim().min(1).max(300);

/** A sentence or a paragraph. */
export const prose = () => z.string().trim().min(1).max(4000);

/** A list of short strings. */
export const strings = (min = 1, max = 10) => z.array(z.string().trim().min(1).max(600)).min(min).max(max);

export const level = () => z.enum(['high', 'medium', 'low']);

/** A plain non-negative amount (USD, counts of people…). */
export const amount = () => z.number().min(0).max(1e13);
