import { beforeAll, describe, expect, it } from 'vitest';
import { loadPriceTable, type PriceTable, priceTableAgeWarning } from '../../src/cost/prices.js';

describe('priceTableAgeWarning', () => {
  let table: PriceTable;
  beforeAll(() => {
    table = { ...loadPriceTable(), retrieved: '2025-04-05' };
  });

  it('is quiet up to six months after the table was retrieved', () => {
    expect(priceTableAgeWarning(table, '2025-04-05', 'us-west-2')).toBeUndefined();
    expect(priceTableAgeWarning(table, '2025-10-05', 'us-west-2')).toBeUndefined();
  });

  it('warns the day after, with the dates and the command that refreshes the region', () => {
    expect(priceTableAgeWarning(table, '2025-10-06', 'eu-west-1')).toBe(
      'warning: the AWS prices were retrieved 2025-04-05, more than 6 months before today (2025-10-06), and may have changed; `gitlab-aws cost refresh --region eu-west-1` writes a current table to use with --prices FILE',
    );
  });
});
