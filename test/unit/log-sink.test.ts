import { afterEach, expect, it } from 'vitest';
import { batchingSink, log, setLogSink } from '../../src/http/logger.js';

afterEach(() => setLogSink(null));

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

it('writes the lines of one event-loop turn in one write, in order', async () => {
  const writes: string[] = [];
  const { sink } = batchingSink((chunk) => writes.push(chunk), () => {});
  setLogSink(sink);
  log('info', 'one', { n: 1 });
  log('warn', 'two', { n: 2 });
  expect(writes).toEqual([]);
  await nextTurn();
  expect(writes).toHaveLength(1);
  const lines = writes[0]!.trimEnd().split('\n').map((line) => JSON.parse(line));
  expect(lines.map((l) => [l.level, l.msg, l.n])).toEqual([['info', 'one', 1], ['warn', 'two', 2]]);
  log('info', 'three', {});
  await nextTurn();
  expect(writes).toHaveLength(2);
});

it('writes an error at once to the error stream, after the lines before it', () => {
  const out: string[] = [];
  const err: string[] = [];
  const order: string[] = [];
  const { sink } = batchingSink(
    (chunk) => (out.push(chunk), order.push('out')),
    (chunk) => (err.push(chunk), order.push('err')),
  );
  setLogSink(sink);
  log('info', 'before', {});
  log('error', 'failed', {});
  expect(order).toEqual(['out', 'err']);
  expect(JSON.parse(err[0]!).msg).toBe('failed');
});

it('flush() writes what is pending (the exit hook) and honours the level threshold', () => {
  const writes: string[] = [];
  const { sink, flush } = batchingSink((chunk) => writes.push(chunk), () => {});
  setLogSink(sink);
  log('debug', 'hidden', {}, 'info');
  log('info', 'shown', {}, 'info');
  flush();
  expect(writes).toHaveLength(1);
  expect(writes[0]).toContain('"shown"');
  expect(writes[0]).not.toContain('hidden');
  flush();
  expect(writes).toHaveLength(1);
});
