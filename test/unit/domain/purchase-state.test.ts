import { purchaseStatuses } from '../../../contracts/purchase';
import { assertTransition, canTransition, isFinal } from '../../../domain/purchase-state';

describe('the purchase state diagram', () => {
  it('walks the happy path RECEIVED → ORDER_REQUESTED → RESERVE_DELIVERED → COMPLETED', () => {
    expect(canTransition('RECEIVED', 'ORDER_REQUESTED')).toBe(true);
    expect(canTransition('ORDER_REQUESTED', 'RESERVE_DELIVERED')).toBe(true);
    expect(canTransition('RESERVE_DELIVERED', 'COMPLETED')).toBe(true);
  });

  it('fails a business refusal at RECEIVED directly, without compensating', () => {
    expect(canTransition('RECEIVED', 'FAILED')).toBe(true);
  });

  it('compensates before failing or cancelling once something was done', () => {
    expect(canTransition('ORDER_REQUESTED', 'FAILED')).toBe(false);
    expect(canTransition('RESERVE_DELIVERED', 'CANCELLED')).toBe(false);
    expect(canTransition('ORDER_REQUESTED', 'COMPENSATING')).toBe(true);
    expect(canTransition('RESERVE_DELIVERED', 'COMPENSATING')).toBe(true);
    expect(canTransition('COMPENSATING', 'FAILED')).toBe(true);
    expect(canTransition('COMPENSATING', 'CANCELLED')).toBe(true);
  });

  it('never skips a step forward', () => {
    expect(canTransition('RECEIVED', 'RESERVE_DELIVERED')).toBe(false);
    expect(canTransition('RECEIVED', 'COMPLETED')).toBe(false);
    expect(canTransition('ORDER_REQUESTED', 'COMPLETED')).toBe(false);
  });

  it('treats COMPLETED, FAILED and CANCELLED as final: nothing leaves them', () => {
    for (const final of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      expect(isFinal(final)).toBe(true);
      for (const next of purchaseStatuses) expect(canTransition(final, next)).toBe(false);
    }
    expect(isFinal('COMPENSATING')).toBe(false);
  });

  it('throws on an illegal move, naming both states', () => {
    expect(() => assertTransition('COMPLETED', 'CANCELLED')).toThrow('from COMPLETED to CANCELLED');
  });
});
