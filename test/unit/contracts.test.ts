import { PurchaseRequest } from '../../contracts/purchase';

const valid = {
  items: [{ sku: 'SKU-1', quantity: 2 }],
  address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'pt' },
  voucher: { code: 'WELCOME10' },
};

describe('the purchase request schema', () => {
  it('accepts the contract example and upper-cases the country', () => {
    const parsed = PurchaseRequest.parse(valid);
    expect(parsed.address.country).toBe('PT');
  });

  it.each([
    ['a zero quantity', { ...valid, items: [{ sku: 'SKU-1', quantity: 0 }] }, 'items.0.quantity'],
    ['a fractional quantity', { ...valid, items: [{ sku: 'SKU-1', quantity: 1.5 }] }, 'items.0.quantity'],
    ['a negative quantity', { ...valid, items: [{ sku: 'SKU-1', quantity: -1 }] }, 'items.0.quantity'],
    ['no items', { ...valid, items: [] }, 'items'],
    ['the same SKU twice', { ...valid, items: [valid.items[0], valid.items[0]] }, 'items'],
    ['a three-letter country', { ...valid, address: { ...valid.address, country: 'PRT' } }, 'address.country'],
    ['a missing street', { ...valid, address: { ...valid.address, street: undefined } }, 'address.street'],
    ['a client-chosen price', { ...valid, totalCents: 1 }, ''],
  ])('rejects %s, naming the field', (_, body, field) => {
    const result = PurchaseRequest.safeParse(body);
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toContain(field);
  });
});
