/**
 * `POST /publish`: the HTTP techniques' upstream for the chat workload. The body must be
 * `Content-Type: application/json` (a type a web page cannot send cross-origin without
 * a preflight, which the server refuses); it is read with a size limit (413 without
 * buffering an oversize body), validated, stamped with a seq in its room and answered 204.
 */
import { BodyTooLargeError, failAndClose, readBody, send, type HttpError } from '../http-util.ts';
import { parsePublishBody, publishUpstream } from '../upstream.ts';
import { newCounters, type TechniqueFactory } from './types.ts';

const NO_BODY = Buffer.alloc(0);

/** `application/json`, optionally with parameters (`; charset=utf-8`), in any letter case. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

export const createPublishHandler: TechniqueFactory = (ctx) => {
  const counters = newCounters();
  return {
    counters,
    handle(req, res) {
      counters.requests++;
      if (!isJson(req.headers['content-type'])) {
        const error: HttpError = {
          status: 415,
          kind: 'badRequest',
          body: {
            error: `POST /publish needs Content-Type: application/json; received ${JSON.stringify(req.headers['content-type'] ?? null)}`,
          },
        };
        return failAndClose(req, res, error, ctx.countRejection);
      }
      readBody(req, ctx.maxMessageBytes).then(
        (raw) => {
          const msg = parsePublishBody(raw, ctx.feeds);
          if (typeof msg === 'string') return ctx.fail(res, { status: 400, kind: 'badRequest', body: { error: msg } });
          publishUpstream(ctx.feeds, msg);
          send(res, 204, NO_BODY);
        },
        (error: unknown) => {
          if (!(error instanceof BodyTooLargeError)) {
            res.destroy();
            return;
          }
          const tooLarge: HttpError = { status: 413, kind: 'tooLarge', body: { error: error.message, limit: ctx.maxMessageBytes } };
          failAndClose(req, res, tooLarge, ctx.countRejection);
        },
      );
    },
    close() {},
  };
};
