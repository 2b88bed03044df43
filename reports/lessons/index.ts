/**
 * The registry of lessons: `reports/lessons/<id>.ts` for every row of core/techniques.ts,
 * loaded by name. Adding a technique adds its lesson file; nothing here changes.
 */
import { loadTechniqueFiles } from '../../core/techniques.ts';
import type { Lesson } from './types.ts';

export const LESSONS = await loadTechniqueFiles<Lesson>(import.meta.url, 'lesson (reports/lessons/<id>.ts)');

export type { Lesson, LessonContent, Step, TeachingFigures } from './types.ts';
