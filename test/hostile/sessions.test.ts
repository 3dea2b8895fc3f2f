import * as subtle from '@oslojs/crypto/subtle';
import { createSessionStore } from '../../api/auth/sessions';
import { signIn, startHostileGateway, type HostileGateway } from './hostile-harness';

// A spy around @oslojs/crypto's own constantTimeEqual: the real comparison still runs, and the test sees it ran.
jest.mock('@oslojs/crypto/subtle', () => {
  const actual = jest.requireActual('@oslojs/crypto/subtle');
  return { ...actual, constantTimeEqual: jest.fn(actual.constantTimeEqual) };
});
const constantTimeEqual = subtle.constantTimeEqual as jest.MockedFunction<typeof subtle.constantTimeEqual>;
const { constantTimeEqual: oslojsConstantTimeEqual } = jest.requireActual('@oslojs/crypto/subtle');

let gateway: HostileGateway;
beforeAll(async () => {
  gateway = await startHostileGateway();
});
afterAll(() => gateway.close());
beforeEach(() => constantTimeEqual.mockClear());

describe('session token comparison', () => {
  it('compares secrets with @oslojs/crypto’s constantTimeEqual, over their SHA-256 digests', async () => {
    const sessions = createSessionStore(gateway.store, 3_600_000);
    const user = await signIn(gateway);
    const { token } = await sessions.create(user.user.id);
    expect(await sessions.validate(token)).not.toBeNull();
    expect(constantTimeEqual).toHaveBeenCalledTimes(1);
    const [given, stored] = constantTimeEqual.mock.calls[0];
    // Equal-length digests: the comparison's time depends on neither the secret nor how much of it matches.
    expect(given).toHaveLength(32);
    expect(stored).toHaveLength(32);
    expect(constantTimeEqual.mock.results[0].value).toBe(true);
    // The spy wraps the library's own function, not a stand-in.
    expect(typeof oslojsConstantTimeEqual).toBe('function');
    expect(oslojsConstantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
  });

  it('rejects a secret of the same length that differs in one character, through that comparison', async () => {
    const sessions = createSessionStore(gateway.store, 3_600_000);
    const user = await signIn(gateway);
    const { token } = await sessions.create(user.user.id);
    const [id, secret] = token.split('.');
    for (const position of [0, Math.floor(secret.length / 2), secret.length - 1]) {
      const other = secret[position] === 'a' ? 'b' : 'a';
      const forged = `${id}.${secret.slice(0, position)}${other}${secret.slice(position + 1)}`;
      expect(forged).toHaveLength(token.length);
      expect(await sessions.validate(forged)).toBeNull();
    }
    expect(constantTimeEqual).toHaveBeenCalledTimes(3);
    expect(constantTimeEqual.mock.results.every((result) => result.value === false)).toBe(true);
  });

  it('never compares the secret for an unknown session id: there is nothing to compare it with', async () => {
    const sessions = createSessionStore(gateway.store, 3_600_000);
    expect(await sessions.validate('unknownsessionid.whatever')).toBeNull();
    expect(constantTimeEqual).not.toHaveBeenCalled();
  });
});
