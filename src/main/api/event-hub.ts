/**
 * The typed event stream of one workbench instance. Created by the composition root and
 * handed to whoever emits; each transport (IPC, WebSocket, CLI) subscribes.
 */
import type { EventName, EventPayload } from '../../shared/api/events';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) {
      try {
        listener(event, payload);
      } catch (error) {
        console.error(`An event listener for ${event} failed:`, error);
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
