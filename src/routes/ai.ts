/** /api/ai — the AI group (SPEC §6): report generation, the assistant and the raw model call. */
import { Hono } from 'hono';
import type { AppEnv } from '../types.js';
import { chatRoutes } from './ai-chat.js';
import { generateRoutes } from './ai-generate.js';
import { invokeRoutes } from './ai-invoke.js';
import { usageRoutes } from './ai-usage.js';

export const aiRoutes = new Hono<AppEnv>().route('/', generateRoutes).route('/', chatRoutes).route('/', invokeRoutes).route('/', usageRoutes);
