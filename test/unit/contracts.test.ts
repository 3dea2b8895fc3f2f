import { defaultPayloadConverter } from '@temporalio/common';
import { PurchaseRequest } from '../../contracts/purchase';
import { readRequestContext, requestContextHeader, withRequestContext } from '../../contracts/request-context';

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

describe('the request context a Temporal call carries', () => {
  const carrying = (value: unknown) => ({ [requestContextHeader]: defaultPayloadConverter.toPayload(value) });
  const traceId = '0af7651916cd43dd8448eb211c80319c';

  it('reads the request id and the trace id', () => {
    expect(readRequestContext(carrying({ requestId: 'req-1', traceId }))).toEqual({ requestId: 'req-1', traceId });
    expect(readRequestContext(withRequestContext({}, { requestId: 'req-2' }))).toEqual({ requestId: 'req-2' });
  });

  it('takes a missing or malformed header for no context, never for a wrong one', () => {
    expect(readRequestContext({})).toEqual({});
    for (const malformed of [
      { requestId: 'x'.repeat(256) },
      { requestId: 42 },
      { traceId: 'not-hex' },
      { traceId: traceId.toUpperCase() },
      'a string',
      null,
    ]) {
      expect(readRequestContext(carrying(malformed))).toEqual({});
    }
  });
});
