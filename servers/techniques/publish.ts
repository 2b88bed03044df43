/**
 * `POST /publish`: the HTTP techniques' upstream for the chat workload. The body is
 * read with a size limit (413 without buffering an oversize body), validated, stamped
 * with a seq in its room and answered 204.
 */
import { BodyTooLargeError, readBody, send } from '../http-util.ts';
import { parsePublishBody, publishUpstream } from '../upstream.ts';
import { newCounters, type TechniqueFactory } from './types.ts';

const NO_BODY = Buffer.alloc(0);

export const createPublishHandler: TechniqueFactory = (ctx) => {
  const counters = newCounters();
  return {
    counters,
    handle(req, res) {
      counters.requests++;
      readBody(req, ctx.maxMessageBytes).then(
        (raw) => {
          const msg = parsePublishBody(raw);
          if (typeof msg === 'string') return ctx.fail(res, { status: 400, kind: 'badRequest', body: { error: msg } });
          publishUpstream(ctx.feeds, msg);
          send(res, 204, NO_BODY);
        },
        (error: unknown) => {
          if (!(error instanceof BodyTooLargeError)) {
            res.destroy();
            return;
          }
          // Answer with Connection: close: the rest of the body is never read.
          res.shouldKeepAlive = false;
          ctx.fail(res, { status: 413, kind: 'tooLarge', body: { error: error.message, limit: ctx.maxMessageBytes } });
        },
      );
    },
    close() {},
  };
};
