/** The typed events main pushes to every window, browser tab and CLI listener. */
import { z } from 'zod';
import { JobFinishedSchema, JobProgressSchema } from './job-schemas';

export const events = {
  /** A long job made progress (done of total, ETA). */
  'job.progress': JobProgressSchema,
  /** A long job ended: succeeded, failed (with its error) or cancelled. */
  'job.finished': JobFinishedSchema,
  /** The list of known projects changed (created, added, forgotten, demo built). */
  'projects.changed': z.object({}),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}
