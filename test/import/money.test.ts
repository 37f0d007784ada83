/** Float money → cents through the shortest decimal text, half-up (SPEC-WAVE2 §0.1), never Math.round(x * 100). */
import { expect, it } from 'vitest';
import { centsToText, decimalToScaled, floatToCents } from '../../src/import/money.js';

it('rounds the decimal the float prints as, half-up', () => {
  expect(floatToCents(2.675)).toBe(268n); // Math.round(2.675 * 100) gives 267
  expect(floatToCents(1.005)).toBe(101n); // Math.round(1.005 * 100) gives 100
  expect(floatToCents(37.824999999999996)).toBe(3782n);
  expect(floatToCents(9.99)).toBe(999n);
  expect(floatToCents(0.1 + 0.2)).toBe(30n);
  expect(floatToCents(-2.675)).toBe(-268n);
  expect(floatToCents(1e-7)).toBe(0n);
  expect(floatToCents(1e21)).toBe(100000000000000000000000n);
  expect(floatToCents(0)).toBe(0n);
  expect(() => floatToCents(Number.NaN)).toThrow();
});

it('scales any decimal text and prints numeric(12,2)', () => {
  expect(decimalToScaled('119880.004999', 2)).toBe(11988000n);
  expect(decimalToScaled('1.5e-2', 2)).toBe(2n);
  expect(centsToText(1110n)).toBe('11.10');
  expect(centsToText(5n)).toBe('0.05');
  expect(centsToText(-268n)).toBe('-2.68');
});
