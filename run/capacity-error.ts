/** The capacity probe's error: options that cannot work, a load process that failed, a server that refused the polls. */
import { PushbenchError } from '../core/errors.ts';

export class CapacityError extends PushbenchError<'PUSHBENCH_CAPACITY'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_CAPACITY', message, options);
  }
}
