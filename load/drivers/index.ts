/**
 * The registry of client drivers: `load/drivers/<id>.ts` for every row of core/techniques.ts,
 * loaded by name. What the runner needs to know about a technique without a driver (sockets
 * per chat client, request counters, pickup time) is in the row, not here.
 */
import { loadTechniqueFiles } from '../../core/techniques.ts';
import type { DriverTechnique } from './types.ts';

export const DRIVERS = await loadTechniqueFiles<DriverTechnique>(import.meta.url, 'client driver (load/drivers/<id>.ts)');

export type { ClientDriver, DriverContext, DriverFactory, DriverTechnique } from './types.ts';
