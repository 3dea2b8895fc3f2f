import { insertPurchaseInFlight, signIn, startGateway, type Gateway } from './gateway-harness';

// Temporal is out of reach in these gateways: a wait on a purchase in flight lasts its whole time.
const purchaseInFlight = (gateway: Gateway, userId: string) => insertPurchaseInFlight(gateway.store, userId);

describe('long polls are capped per user and per gateway', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ MAX_WAITS_PER_USER: '2', MAX_WAITS: '3' });
  });
  afterAll(() => gateway.close());

  it('refuses a user’s wait past MAX_WAITS_PER_USER with 429 and Retry-After, and the gateway’s past MAX_WAITS', async () => {
    const [first, second, third] = await Promise.all([signIn(gateway), signIn(gateway), signIn(gateway)]);
    const [mine, theirs, others] = await Promise.all([
      purchaseInFlight(gateway, first.user.id),
      purchaseInFlight(gateway, second.user.id),
      purchaseInFlight(gateway, third.user.id),
    ]);
    const wait = (user: typeof first, id: string, seconds: number) =>
      gateway.request(`/purchases/${id}?wait=${seconds}s`, { headers: user.headers });

    const held = [wait(first, mine, 2), wait(first, mine, 2)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await wait(first, mine, 1);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).error.code).toBe('RATE_LIMITED');
    // A read without a wait holds no slot: it is answered at once.
    expect((await gateway.request(`/purchases/${mine}`, { headers: first.headers })).status).toBe(200);

    // Another user's wait takes the gateway's third and last slot; a fourth, from anyone, is refused.
    const theirsHeld = wait(second, theirs, 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await wait(third, others, 1)).status).toBe(429);

    for (const answer of await Promise.all([...held, theirsHeld])) expect(answer.status).toBe(200);
    // Every slot is given back once its wait has answered.
    expect((await wait(first, mine, 0.2)).status).toBe(200);
    expect((await wait(third, others, 0.2)).status).toBe(200);
  });

  it('gives a slot back when the wait is refused for another reason', async () => {
    const user = await signIn(gateway);
    for (let i = 0; i < 4; i++) {
      const missing = await gateway.request(`/purchases/${crypto.randomUUID()}?wait=1s`, { headers: user.headers });
      expect(missing.status).toBe(404);
    }
    const id = await purchaseInFlight(gateway, user.user.id);
    expect((await gateway.request(`/purchases/${id}?wait=100ms`, { headers: user.headers })).status).toBe(200);
  });
});
