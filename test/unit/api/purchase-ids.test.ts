import { mayBelongTo, newPurchaseId, purchaseIdFor } from '../../../api/purchases/ids';
import { z } from 'zod';

const alice = '6d1f0b6e-2c43-4a8e-9a57-1f0e2a3b4c5d';
const bob = 'c0ffee00-1234-4abc-8def-0123456789ab';

describe('purchase ids', () => {
  it('names one purchase per user and Idempotency-Key, whoever sends it again', () => {
    expect(purchaseIdFor(alice, 'order-1')).toBe(purchaseIdFor(alice, 'order-1'));
    expect(purchaseIdFor(alice, 'order-2')).not.toBe(purchaseIdFor(alice, 'order-1'));
    expect(purchaseIdFor(bob, 'order-1')).not.toBe(purchaseIdFor(alice, 'order-1'));
  });

  it('makes a new id for each request without a key', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newPurchaseId(alice)));
    expect(ids.size).toBe(1000);
  });

  it('makes UUIDs the routes accept', () => {
    for (const id of [purchaseIdFor(alice, 'k'), newPurchaseId(bob)]) {
      expect(z.string().uuid().safeParse(id).success).toBe(true);
      expect(id[14]).toBe('8');
    }
  });

  it('tells the ids that can be a user’s from those that cannot', () => {
    expect(mayBelongTo(purchaseIdFor(alice, 'k'), alice)).toBe(true);
    expect(mayBelongTo(newPurchaseId(alice), alice)).toBe(true);
    expect(mayBelongTo(newPurchaseId(alice).toUpperCase(), alice)).toBe(true);
    expect(mayBelongTo(newPurchaseId(bob), alice)).toBe(false);
    expect(mayBelongTo(crypto.randomUUID(), alice)).toBe(false);
  });
});
