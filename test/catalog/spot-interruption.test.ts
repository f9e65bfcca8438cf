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

  it('refuses a band the Advisor does not publish, and a source without its digest', () => {
    expect(() =>
      parseSpotInterruptionTable({
        ...SPOT_INTERRUPTIONS,
        regions: { 'us-west-2': { 'c7i.xlarge': '>50%' } },
      }),
    ).toThrow();
    expect(() =>
      parseSpotInterruptionTable({
        ...SPOT_INTERRUPTIONS,
        source: { ...SPOT_INTERRUPTIONS.source, sha256: 'x' },
      }),
    ).toThrow();
    expect(() =>
      parseSpotInterruptionTable({ ...SPOT_INTERRUPTIONS, gaps: [{ region: 'us-west-2' }] }),
    ).toThrow();
  });
});
