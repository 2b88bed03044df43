/**
 * The registry of run-layer technique files: `run/techniques/<id>.ts` for every row of
 * core/techniques.ts, loaded by name (the model and the micro-benchmark case of each).
 */
import { loadTechniqueFiles } from '../../core/techniques.ts';
import type { RunTechnique } from './types.ts';

export const RUN_TECHNIQUES = await loadTechniqueFiles<RunTechnique>(import.meta.url, 'model and micro-benchmark (run/techniques/<id>.ts)');

export { NO_MEASUREMENTS } from './types.ts';
export type { DownModel, MicroRun, MicroSpec, ModelContext, ModelMeasurements, RunTechnique, UpstreamModel, WireContext } from './types.ts';
