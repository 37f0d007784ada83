/** Node only (src/node.ts, bench/server.ts): request logs to stdout in one write per event-loop turn. */
import { batchingSink, setLogSink } from './logger.js';

export function useBatchedStdoutLogs(): void {
  const logs = batchingSink(
    (chunk) => process.stdout.write(chunk),
    (chunk) => process.stderr.write(chunk),
  );
  setLogSink(logs.sink);
  // stdout to a file or pipe is written synchronously, so lines pending at exit still get out.
  process.on('exit', logs.flush);
}
