/**
 * The classic claims are verdicts computed from the map's numbers: the same sentence flips when
 * the numbers behind it change (a fixture where polling wins on bytes, one where long polling
 * answers later than polling, measured memory or none).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MapCell, MapFigures } from '../../core/results.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import { cometClaim, headerClaim, handshakeClaim, waitReadClaim } from '../../run/map-claims.ts';
import type { Calibration, MapConfig } from '../../run/map.ts';

function figures(bytes: number, p50: number): MapFigures {
  return {
    bytesPerMessage: bytes,
    bandwidthBytesPerSecond: bytes,
    p50Ms: p50,
    p99Ms: 2 * p50,
    cpuMicrosPerMessage: null,
    memoryBytesPerConnection: null,
  };
}

/** One grid point: each technique's bytes per message and p50. */
function point(rate: number, intervalMs: number, byTechnique: Partial<Record<TechniqueId, [number, number]>>): MapCell[] {
  return Object.entries(byTechnique).map(([technique, [bytes, p50]]) => ({
    rate,
    intervalMs,
    clients: 10,
    technique: technique as TechniqueId,
    model: figures(bytes, p50),
    measured: false,
  }));
}

const CALIBRATION: Calibration = { rttMs: 0.4, queue: {}, cpu: {}, memoryBytesPerConnection: {} };

describe('map claims', () => {
  test('"polling wastes bandwidth on headers": true where every stream is cheaper, false in a fixture where polling wins, partly when mixed', () => {
    const classic = [
      ...point(1, 1000, { polling: [760, 500], sse: [120, 2], websocket: [101, 2] }),
      ...point(10, 1000, { polling: [190, 500], sse: [120, 2], websocket: [101, 2] }),
    ];
    const claim = headerClaim(classic, []);
    assert.equal(claim?.verdict, 'true');
    assert.match(claim!.evidence, /at 2 of 2 grid points and fewer at 0/);
    // Near one message per poll (1 msg/s, 1 s polls) polling costs 760 / 101 = 7.52 times the best stream.
    assert.match(claim!.evidence, /costs 7\.52 times the bytes of the best stream/);

    // A fixture where polling batches so many messages per poll that it beats every stream.
    const pollingWins = [
      ...point(100, 10_000, { polling: [100, 5000], sse: [120, 2], websocket: [101, 2] }),
      ...point(300, 10_000, { polling: [99.5, 5000], sse: [120, 2], websocket: [101, 2] }),
    ];
    assert.equal(headerClaim(pollingWins, [])?.verdict, 'false');
    assert.equal(headerClaim([...classic, ...pollingWins], [])?.verdict, 'partly');
  });

  test('"waiting delivers sooner": true while long polling\'s p50 is lower, false in a fixture where it is not', () => {
    const classic = point(1, 1000, { polling: [760, 500], longpoll: [764, 3] });
    assert.equal(waitReadClaim(classic)?.verdict, 'true');
    assert.match(
      waitReadClaim(classic)!.evidence,
      /long polling's p50 is 3 ms against short polling's 500 ms \(model\), and 0% of polls come back empty/,
    );
    const slowHold = point(1, 100, { polling: [760, 50], longpoll: [764, 80] });
    assert.equal(waitReadClaim(slowHold)?.verdict, 'false');
  });

  test('"Comet holds server resources": not measured without memory figures; true when a held long poll costs more than a polling connection; partly when it does not', () => {
    const techniques: TechniqueId[] = ['polling', 'longpoll', 'sse'];
    assert.equal(cometClaim(techniques, CALIBRATION)?.verdict, 'not measured');
    assert.equal(cometClaim(techniques, { ...CALIBRATION, memoryBytesPerConnection: { polling: 4000, longpoll: 9000 } })?.verdict, 'true');
    const same = cometClaim(techniques, { ...CALIBRATION, memoryBytesPerConnection: { polling: 4000, longpoll: 4200 } });
    assert.equal(same?.verdict, 'partly');
    assert.match(same!.evidence, /ratio 1\.05/);
  });

  test('"WebSocket pushes both ways after one handshake": a masked frame up against a POST and its 204, from the model', () => {
    const config: MapConfig = {
      rates: [1],
      intervalsMs: [1000],
      clients: [10],
      techniques: ['longpoll', 'websocket'],
      payloadBytes: 64,
      holdMs: 30_000,
      headers: 'minimal',
      maxLatencyMs: null,
      maxBandwidthBytesPerSecond: null,
      maxMemoryBytes: null,
      quick: false,
      windowMs: 1500,
      warmupMs: 500,
    };
    const claim = handshakeClaim(config);
    assert.equal(claim?.verdict, 'true');
    assert.match(claim!.evidence, /One upgrade \(\d+ B: \d+ B request \+ 129 B 101 answer\)/);
  });
});
