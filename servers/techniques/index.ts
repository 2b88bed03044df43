/**
 * The registry of server-side techniques: `servers/techniques/<id>.ts` for every row of
 * core/techniques.ts, loaded by name. Adding a technique adds its file; nothing here changes.
 */
import { loadTechniqueFiles } from '../../core/techniques.ts';
import type { ServerTechnique } from './types.ts';

export const SERVER_TECHNIQUES = await loadTechniqueFiles<ServerTechnique>(import.meta.url, 'server handler (servers/techniques/<id>.ts)');

export { createPublishHandler } from './publish.ts';
export type { DemoPaneText, ServerContext, ServerTechnique, TechniqueFactory, TechniqueHandler } from './types.ts';
