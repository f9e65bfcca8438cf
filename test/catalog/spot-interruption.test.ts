import { describe, expect, it } from 'vitest';
import {
  MOST_INTERRUPTED_BAND,
  parseSpotInterruptionTable,
  SPOT_INTERRUPTION_BANDS,
  SPOT_INTERRUPTIONS,
  spotInterruptionBand,
} from '../../src/catalog/spot-interruption.js';

const table = parseSpotInterruptionTable({
  ...SPOT_INTERRUPTIONS,
  regions: { 'us-west-2': { 'c7i.xlarge': '>20%', 'm7g.xlarge': '<5%' } },
});

describe('Spot interruption bands', () => {
  it('looks a band up by region and type, and has none for what the table lacks', () => {
    expect(spotInterruptionBand('us-west-2', 'c7i.xlarge', table)).toBe('>20%');
    expect(spotInterruptionBand('us-west-2', 'm7g.xlarge', table)).toBe('<5%');
    expect(spotInterruptionBand('us-west-2', 'm6i.xlarge', table)).toBeUndefined();
    expect(spotInterruptionBand('eu-west-1', 'c7i.xlarge', table)).toBeUndefined();
    // Names inherited by every object are no region and no type.
    expect(spotInterruptionBand('constructor', 'c7i.xlarge', table)).toBeUndefined();
    expect(spotInterruptionBand('us-west-2', 'toString', table)).toBeUndefined();
    expect(spotInterruptionBand('us-west-2', 'c7i.xlarge')).toBe(
      SPOT_INTERRUPTIONS.regions['us-west-2']!['c7i.xlarge'],
    );
  });

  it('orders the bands least reclaimed first, the most reclaimed last', () => {
    expect(SPOT_INTERRUPTION_BANDS.at(-1)).toBe(MOST_INTERRUPTED_BAND);
    expect(SPOT_INTERRUPTION_BANDS[0]).toBe('<5%');
  });

  it('refuses a table that is not one, saying what is wrong', () => {
    const valid = { ...SPOT_INTERRUPTIONS, regions: { 'us-west-2': { 'c7i.xlarge': '>20%' } } };
    expect(parseSpotInterruptionTable(valid)).toEqual(valid);
    const { gaps: _gaps, ...withoutGaps } = valid;
    const { sha256: _sha256, ...sourceWithoutDigest } = valid.source;
    const gap = { region: 'us-west-2', instanceType: 'm6i.xlarge', reason: 'none' };
    expect(parseSpotInterruptionTable({ ...valid, gaps: [gap] }).gaps).toEqual([gap]);
    for (const [broken, problem] of [
      [null, 'it is not an object'],
      [[valid], 'it is not an object'],
      [withoutGaps, 'its keys are not schemaVersion, source, notes, regions, gaps'],
      [{ ...valid, extra: 1 }, 'its keys are not'],
      [{ ...valid, schemaVersion: 2 }, 'its schemaVersion is not 1'],
      [{ ...valid, source: sourceWithoutDigest }, 'its source is not {what, where, date, sha256}'],
      [{ ...valid, source: { ...valid.source, extra: 'x' } }, 'its source is not'],
      [{ ...valid, source: { ...valid.source, date: 20250628 } }, 'its source is not'],
      [{ ...valid, source: { ...valid.source, sha256: 'x' } }, "its source's sha256 is not a SHA-256"],
      [
        { ...valid, source: { ...valid.source, sha256: `${valid.source.sha256}0` } },
        "its source's sha256 is not a SHA-256",
      ],
      [
        { ...valid, source: { ...valid.source, sha256: `0${valid.source.sha256}` } },
        "its source's sha256 is not a SHA-256",
      ],
      [{ ...valid, notes: 'one' }, 'its notes are not strings'],
      [{ ...valid, notes: [1] }, 'its notes are not strings'],
      [{ ...valid, gaps: {} }, 'its gaps are not {region, instanceType, reason}'],
      [{ ...valid, gaps: [{ region: 'us-west-2' }] }, 'its gaps are not'],
      [{ ...valid, regions: [] }, 'its regions are not an object'],
      [{ ...valid, regions: { 'us-west-2': '>20%' } }, 'region us-west-2 is not an object'],
      [
        { ...valid, regions: { 'us-west-2': { 'c7i.xlarge': '>50%' } } },
        'us-west-2 c7i.xlarge has ">50%", not a band of the Spot Instance Advisor',
      ],
    ] as const) {
      expect(() => parseSpotInterruptionTable(broken), problem).toThrow(
        `not a table of Spot interruption bands: ${problem}`,
      );
    }
  });
});
