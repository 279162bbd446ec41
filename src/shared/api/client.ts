/** A typed client over any ApiBridge: parses outputs and event payloads with the contract. */
import { fromErrorPayload, UserError } from '../errors';
import type { ApiBridge } from './bridge';
import { EnvelopeSchema } from './envelope';
import { events, type EventName, type EventPayload } from './events';
import { routes, type RouteInput, type RouteName, type RouteOutput } from './routes';

export interface ApiClient {
  invoke<R extends RouteName>(route: R, input: RouteInput<R>): Promise<RouteOutput<R>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createApiClient(bridge: ApiBridge): ApiClient {
  return {
    async invoke(route, input) {
      const raw = await bridge.invoke(route, input);
      const envelope = EnvelopeSchema.parse(raw);
      if (!envelope.ok) throw fromErrorPayload(envelope.error);
      const parsed = routes[route].output.safeParse(envelope.data);
      if (!parsed.success) {
        throw new UserError(
          'INVALID_INPUT',
          `The answer to ${route} does not match the API contract: ${parsed.error.message}`,
        );
      }
      return parsed.data as RouteOutput<typeof route>;
    },
    on(event, listener) {
      return bridge.on(event, (payload) => {
        const parsed = events[event].safeParse(payload);
        if (parsed.success) listener(parsed.data as EventPayload<typeof event>);
      });
    },
  };
}
