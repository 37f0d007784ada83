/** Whether this code runs on Cloudflare Workers (workerd), as opposed to Node. */
export function isWorkerRuntime(): boolean {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  return nav?.userAgent === 'Cloudflare-Workers';
}
