import { quotePurchase } from '../../../domain/pricing';

const catalog = new Map([
  ['SKU-1', 1250],
  ['SKU-2', 2400],
]);

describe('quotePurchase', () => {
  it('prices each item from the catalog, never from the request', () => {
    const quote = quotePurchase(catalog, [
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'SKU-2', quantity: 1 },
    ]);
    expect(quote.items).toEqual([
      { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
      { sku: 'SKU-2', quantity: 1, unitPriceCents: 2400 },
    ]);
    expect(quote).toMatchObject({ subtotalCents: 4900, discountCents: 0, totalCents: 4900 });
    expect(quote.refusal).toBeUndefined();
  });

  it('takes 10% off with WELCOME10, as the contract example shows', () => {
    const quote = quotePurchase(catalog, [{ sku: 'SKU-1', quantity: 2 }], { code: 'WELCOME10' });
    expect(quote).toMatchObject({ subtotalCents: 2500, discountCents: 250, totalCents: 2250 });
  });

  it('accepts voucher codes in any case and rounds the discount down to whole cents', () => {
    const quote = quotePurchase(new Map([['ODD', 999]]), [{ sku: 'ODD', quantity: 1 }], { code: ' welcome10 ' });
    expect(quote).toMatchObject({ discountCents: 99, totalCents: 900 });
  });

  it('refuses an unknown voucher with INVALID_VOUCHER and gives no discount', () => {
    const quote = quotePurchase(catalog, [{ sku: 'SKU-1', quantity: 1 }], { code: 'FREESTUFF' });
    expect(quote.refusal).toEqual({ code: 'INVALID_VOUCHER', message: expect.stringContaining('FREESTUFF') });
    expect(quote.discountCents).toBe(0);
  });

  it('refuses a voucher whose minimum subtotal is not reached', () => {
    const below = quotePurchase(catalog, [{ sku: 'SKU-1', quantity: 1 }], { code: 'BULK20' });
    expect(below.refusal?.code).toBe('INVALID_VOUCHER');
    const above = quotePurchase(catalog, [{ sku: 'SKU-2', quantity: 5 }], { code: 'BULK20' });
    expect(above).toMatchObject({ subtotalCents: 12000, discountCents: 2400, totalCents: 9600 });
    expect(above.refusal).toBeUndefined();
  });

  it('refuses SKUs missing from the catalog with UNKNOWN_SKU, naming them', () => {
    const quote = quotePurchase(catalog, [
      { sku: 'SKU-1', quantity: 1 },
      { sku: 'GHOST', quantity: 1 },
    ]);
    expect(quote.refusal).toEqual({ code: 'UNKNOWN_SKU', message: 'Unknown SKU: GHOST' });
    expect(quote.items[1]).toEqual({ sku: 'GHOST', quantity: 1, unitPriceCents: 0 });
  });
});
