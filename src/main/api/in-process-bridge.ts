/** An ApiBridge for callers in the same process (the CLI, tests): same contract, no transport. */
import type { ApiBridge } from '../../shared/api/bridge';
import type { Dispatcher } from './dispatcher';
import type { EventHub } from './event-hub';

export function createInProcessBridge(dispatcher: Dispatcher, events: EventHub): ApiBridge {
  return {
    invoke: (route, input) => dispatcher.invoke(route, input),
    on(event, listener) {
      return events.subscribe((name, payload) => {
        if (name === event) listener(payload);
      });
    },
  };
}
