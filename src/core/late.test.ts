import { describe, expect, it } from 'vitest';
import type { ConnectivityClass } from './connectivity.ts';
import {
  allowedMinutes,
  expectedAt,
  lateBucket,
  lateReport,
  raiseReason,
  type LateTps,
  type SendingPointLike,
} from './late.ts';

const T0 = Date.parse('2024-02-14T12:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

let n = 0;
function tps(
  cls: ConnectivityClass,
  sentAtMinutes: number | null,
  sendingPoint: SendingPointLike | null = null,
): LateTps {
  n++;
  return {
    tps: `16.08.01.1001.${String(n).padStart(3, '0')}`,
    name: `TPS ${n}`,
    class: cls,
    sendingPoint,
    upload:
      sentAtMinutes === null
        ? { sent: false, receivedAt: null }
        : { sent: true, receivedAt: iso(sentAtMinutes) },
  };
}

const point = (travelMinutes: number): SendingPointLike => ({
  distanceKm: (travelMinutes * 20) / 60 / 1.4,
  direction: 'NE',
  travelMinutes,
});

describe('expectedAt: the median time of those that sent', () => {
  it('is null until at least half of the TPS have sent', () => {
    expect(expectedAt([])).toBeNull();
    expect(expectedAt([tps('good', 0), tps('good', null), tps('none', null)])).toBeNull();
    // 2 of 4 is half: the median of 0 and 60 is 30.
    expect(
      expectedAt([tps('good', 0), tps('good', 60), tps('none', null), tps('weak', null)]),
    ).toEqual(at(30));
  });

  it('takes the middle time of an odd count, whatever the order', () => {
    expect(
      expectedAt([tps('good', 90), tps('good', 0), tps('weak', 20), tps('none', null)]),
    ).toEqual(at(20));
  });
});

describe('lateBucket: hours late, at the boundaries', () => {
  it.each([
    [0, 'lt1'],
    [0.999, 'lt1'],
    [1, '1to2'],
    [1.999, '1to2'],
    [2, '2to4'],
    [3.999, '2to4'],
    [4, 'gt4'],
    [30, 'gt4'],
  ] as const)('%d h is %s', (hours, bucket) => {
    expect(lateBucket(hours)).toBe(bucket);
  });
});

describe('lateReport', () => {
  // Three sent at 0, 20 and 40 minutes: expected at 20 (3 of 5 sent).
  const region = (notSent: LateTps[]) => [
    tps('good', 0),
    tps('good', 40),
    tps('weak', 20),
    ...notSent,
  ];

  it('counts the TPS not sent by class and by hours late; before the expected time nothing is late', () => {
    const list = region([tps('none', null), tps('unknown', null)]);
    const early = lateReport(list, at(5));
    expect(early.expectedAt).toBe(iso(20));
    expect(early.now).toBe(iso(5));
    expect(early.notSent.none).toEqual({ lt1: 1, '1to2': 0, '2to4': 0, gt4: 0 });
    expect(early.notSent.unknown).toEqual({ lt1: 1, '1to2': 0, '2to4': 0, gt4: 0 });
    expect(early.notSent.good).toEqual({ lt1: 0, '1to2': 0, '2to4': 0, gt4: 0 });
    expect(early.raised).toEqual([]);
    expect(lateReport(list, at(20 + 60)).notSent.none).toEqual({
      lt1: 0,
      '1to2': 1,
      '2to4': 0,
      gt4: 0,
    });
    expect(lateReport(list, at(20 + 120)).notSent.unknown).toEqual({
      lt1: 0,
      '1to2': 0,
      '2to4': 1,
      gt4: 0,
    });
    expect(lateReport(list, at(20 + 240)).notSent.none).toEqual({
      lt1: 0,
      '1to2': 0,
      '2to4': 0,
      gt4: 1,
    });
  });

  it('counts nothing as late and raises nobody before half have sent', () => {
    const list = [tps('good', 0), tps('none', null), tps('none', null)];
    const r = lateReport(list, at(600));
    expect(r.expectedAt).toBeNull();
    expect(r.notSent.none).toEqual({ lt1: 2, '1to2': 0, '2to4': 0, gt4: 0 });
    expect(r.raised).toEqual([]);
  });

  it('raises a blank-spot TPS once later than twice its travel plus 30 minutes', () => {
    const blank = tps('none', null, point(17));
    const list = region([blank, tps('weak', null, point(1))]);
    expect(allowedMinutes(blank.sendingPoint)).toBe(64);
    // Expected at 20: 64 minutes late is not yet more than 64.
    expect(lateReport(list, at(20 + 64)).raised).toEqual([]);
    const r = lateReport(list, at(20 + 138));
    expect(r.raised).toEqual([
      {
        tps: blank.tps,
        name: blank.name,
        class: 'none',
        hoursLate: 2.3,
        sendingPoint: blank.sendingPoint,
        reason:
          'Blank spot, 2,3 jam terlambat; titik kirim 4,0 km ke timur laut, perjalanan ±17 menit',
      },
    ]);
    // A weak TPS is counted, never raised.
    expect(r.notSent.weak['2to4']).toBe(1);
  });

  it('raises a blank-spot TPS without a sending point as soon as it is late, first', () => {
    const far = tps('none', null, point(10));
    const lost = tps('none', null, null);
    const list = region([far, lost]);
    expect(lateReport(list, at(20)).raised).toEqual([]);
    expect(lateReport(list, at(21)).raised.map((r) => r.tps)).toEqual([lost.tps]);
    const r = lateReport(list, at(20 + 120));
    expect(r.raised.map((x) => x.tps)).toEqual([lost.tps, far.tps]);
    expect(r.raised[0]!.reason).toBe(
      'Blank spot, 2,0 jam terlambat; tidak ada titik kirim dengan sinyal baik dalam jangkauan',
    );
  });

  it('says the reason with Indonesian decimals and compass words', () => {
    expect(raiseReason(0.25, { distanceKm: 12.345, direction: 'SW', travelMinutes: 51.8 })).toBe(
      'Blank spot, 0,3 jam terlambat; titik kirim 12,3 km ke barat daya, perjalanan ±52 menit',
    );
  });
});
