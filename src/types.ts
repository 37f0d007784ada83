/** The one Hono environment type every router is built from (CONVENTIONS §1). */
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Lang } from './i18n/messages.js';
import type { AuthUser } from './auth/current-user.js';

/** Worker bindings (and, on Node, process.env): strings only; parsed by config.ts. */
export type Bindings = Record<string, string | undefined>;

export interface Variables {
  requestId: string;
  config: Config;
  db: Database;
  lang: Lang;
  /** Set by requireUser / requirePermission. */
  user: AuthUser;
  /** The jti of the presented token (logout revokes it; change-password keeps it). */
  tokenId: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
