import { defaultPayloadConverter } from '@temporalio/common';
import { PurchaseRequest } from '../../contracts/purchase';
import { readRequestContext, requestContextHeader, withRequestContext } from '../../contracts/request-context';
import { cancelInputProblems } from '../../contracts/temporal';

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

describe('a cancel’s input through Temporal (signal or update)', () => {
  it('accepts nothing, an empty object, or a reason of at most 500 characters', () => {
    for (const input of [undefined, null, {}, { reason: 'changed my mind' }, { reason: 'x'.repeat(500) }, { reason: 'ok', extra: 1 }]) {
      expect(cancelInputProblems(input)).toEqual([]);
    }
  });

  it('names what is wrong with anything else', () => {
    expect(cancelInputProblems({ reason: 42 })).toEqual(['reason: must be a string, not number']);
    expect(cancelInputProblems({ reason: null })).toEqual(['reason: must be a string, not null']);
    expect(cancelInputProblems({ reason: 'x'.repeat(501) })).toEqual(['reason: must be at most 500 characters']);
    expect(cancelInputProblems('changed my mind')).toEqual(['input: must be an object such as {"reason": "…"}']);
    expect(cancelInputProblems([{ reason: 'x' }])).toEqual(['input: must be an object such as {"reason": "…"}']);
  });
});
