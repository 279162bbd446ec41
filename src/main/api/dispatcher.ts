/**
 * The one entry point every transport calls: checks the route exists, validates the input
 * against the contract, runs the handler, validates the output, and turns any failure
 * into a typed error envelope. Transports never see a thrown value.
 */
import type { Envelope } from '../../shared/api/envelope';
import { isRouteName, routes, type RouteName, type RouteOutput, type RouteParsedInput } from '../../shared/api/routes';
import { BugError, toErrorPayload, UserError } from '../../shared/errors';

export type RouteHandlers = {
  [R in RouteName]: (input: RouteParsedInput<R>) => Promise<RouteOutput<R>> | RouteOutput<R>;
};

export interface Dispatcher {
  invoke(route: string, input: unknown): Promise<Envelope<unknown>>;
}

export function createDispatcher(handlers: RouteHandlers): Dispatcher {
  return {
    async invoke(route, rawInput) {
      try {
        if (!isRouteName(route)) {
          throw new UserError('UNKNOWN_ROUTE', `There is no API route named "${route}".`);
        }
        const data = await call(route, rawInput, handlers);
        return { ok: true, data };
      } catch (error) {
        return { ok: false, error: toErrorPayload(error) };
      }
    },
  };
}

async function call<R extends RouteName>(
  route: R,
  rawInput: unknown,
  handlers: RouteHandlers,
): Promise<RouteOutput<R>> {
  const contract = routes[route];
  const input = contract.input.safeParse(rawInput ?? {});
  if (!input.success) {
    const details = input.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`)
      .join('; ');
    throw new UserError('INVALID_INPUT', `Invalid input for ${route}: ${details}`);
  }
  const handler = handlers[route] as (input: RouteParsedInput<R>) => Promise<RouteOutput<R>> | RouteOutput<R>;
  const output = await handler(input.data as RouteParsedInput<R>);
  const checked = contract.output.safeParse(output);
  if (!checked.success) {
    throw new BugError(`The handler of ${route} returned data that breaks the API contract: ${checked.error.message}`);
  }
  return checked.data as RouteOutput<R>;
}
