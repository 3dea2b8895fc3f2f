import fc from 'fast-check';

/** Strings an attacker would try: any unicode, lone surrogates, control characters, injections, very long ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uDFFF\uD800',
    '𝕏𝔸𝕄',
    '\u202Eevil',
    '\u200B',
    'ﷺ'.repeat(50),
    "' OR 1=1 --",
    '"; DROP TABLE "User"; --',
    '../../etc/passwd',
    '..',
    '.',
    '%00',
    '%2e%2e',
    '<script>alert(1)</script>',
    '${7*7}',
    '{{constructor.constructor("return process")()}}',
    '__proto__',
    'constructor',
    'SKU-1\nX-Injected: yes',
  ),
  fc.integer({ min: 257, max: 10_000 }).map((length) => 'a'.repeat(length)),
  fc.integer({ min: 1, max: 3_000 }).map((length) => '💥'.repeat(length)),
);

/** Numbers that break naive code: huge, negative, fractional, past the safe integers, past 32 bits. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    1.5,
    -0.0001,
    2 ** 31,
    2 ** 31 - 1,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    1e21,
  ),
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 3 }),
);

/** Extra keys a client should not be able to sneak in: roles, prices, ids, and prototype pollution. */
const extraKey = fc.oneof(
  fc.constantFrom('role', 'isAdmin', 'id', 'userId', 'totalCents', 'unitPriceCents', 'status', '__proto__', 'constructor', 'prototype'),
  fc.string({ maxLength: 20 }),
);

const mutation = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'delete', 'extra'),
  at: fc.nat(),
  value: hostileValue,
  key: extraKey,
});
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

/** Every place in a JSON value where a field or an element sits: its container and its key. */
function slotsOf(value: unknown, slots: { container: any; key: string | number }[] = []) {
  if (Array.isArray(value)) value.forEach((entry, index) => (slots.push({ container: value, key: index }), slotsOf(entry, slots)));
  else if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) slots.push({ container: value, key }), slotsOf(entry, slots);
  }
  return slots;
}

function containersOf(value: unknown): object[] {
  if (!value || typeof value !== 'object') return [];
  return [value, ...Object.values(value).flatMap(containersOf)];
}

/** Applies the mutations to a copy: a field or element replaced by a hostile value or removed, or an extra key added. */
function mutate(valid: unknown, mutations: Mutation[]): unknown {
  const value = structuredClone(valid);
  for (const { kind, at, value: hostile, key } of mutations) {
    if (kind === 'extra') {
      const objects = containersOf(value).filter((container) => !Array.isArray(container));
      const target = objects[at % Math.max(1, objects.length)];
      // Set as an own property, as JSON.parse makes a `__proto__` key.
      if (target) Object.defineProperty(target, key, { value: hostile, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const slots = slotsOf(value);
    if (slots.length === 0) continue;
    const { container, key: slot } = slots[at % slots.length];
    if (kind === 'replace') container[slot] = hostile;
    else if (Array.isArray(container)) container.splice(slot as number, 1);
    else delete container[slot];
  }
  return value;
}

/**
 * A request body: valid now and then, more often a valid one with a few fields (at any depth) made hostile, removed,
 * or joined by extra fields.
 */
export function nearValid<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: valid, weight: 1 },
    { arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([body, mutations]) => mutate(body, mutations)), weight: 3 },
  );
}

export const validSku = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
export const servedCountry = fc.constantFrom('PT', 'ES', 'FR', 'DE', 'IT', 'NL', 'BE', 'pt');
/** Mostly addresses the gateway's schema accepts; now and then one of fast-check's stranger (RFC-valid) ones. */
const email = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}@[a-z0-9]{1,10}\.[a-z]{2,6}$/).filter((text) => !text.includes('..')), weight: 3 },
  { arbitrary: fc.emailAddress(), weight: 1 },
);
const text = (maxLength: number) => fc.string({ minLength: 1, maxLength }).filter((value) => value.trim().length > 0);

export const validAddress = fc.record({
  name: text(200),
  street: text(300),
  city: text(100),
  postalCode: text(20),
  country: fc.oneof(servedCountry, fc.stringMatching(/^[A-Za-z]{2}$/)),
});

export const registerBody = nearValid(
  fc.record(
    { email, password: fc.string({ minLength: 8, maxLength: 256 }), name: fc.oneof(text(200), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 })) },
    { requiredKeys: ['email', 'password'] },
  ),
);

export const loginBody = nearValid(fc.record({ email, password: fc.string({ minLength: 1, maxLength: 256 }) }));

export const productBody = nearValid(
  fc.record(
    { sku: validSku, name: text(200), priceCents: fc.integer({ min: 0, max: 100_000_000 }), stock: fc.integer({ min: 0, max: 1_000_000 }) },
    { requiredKeys: ['sku', 'name', 'priceCents'] },
  ),
);

export const productPatchBody = nearValid(
  fc.record({ name: text(200), priceCents: fc.integer({ min: 0, max: 100_000_000 }) }, { requiredKeys: [] }),
);

export const stockBody = nearValid(fc.record({ available: fc.integer({ min: 0, max: 1_000_000 }) }));

export const cancelBody = nearValid(fc.record({ reason: fc.string({ maxLength: 500 }) }, { requiredKeys: [] }));

const validItem = fc.record({
  sku: fc.oneof(fc.constantFrom('SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'PRICEY-1'), validSku),
  quantity: fc.integer({ min: 1, max: 1000 }),
});

export const validPurchase = fc.record(
  {
    items: fc.uniqueArray(validItem, { minLength: 1, maxLength: 5, selector: (entry) => entry.sku }),
    address: validAddress,
    voucher: fc.record({ code: fc.oneof(fc.constantFrom('WELCOME10', 'BULK20', 'NOPE'), text(64)) }),
  },
  { requiredKeys: ['items', 'address'] },
);

export const purchaseBody = nearValid(validPurchase);

/** JSON nested past any sensible depth, yet within the body limit. */
export const deeplyNested: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 100, max: 9_000 }), fc.constantFrom('array', 'object'))
  .map(([depth, kind]) => (kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** Bodies that are not the JSON a route wants: any JSON, broken JSON, deep JSON, plain text. */
export const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string().map((text) => `{"email": ${text}`),
  fc.string(),
  deeplyNested,
  fc.constantFrom('', 'null', 'true', '[]', '"a"', '1e400', '-1e400', '{"a":1,"a":2}', '{', '}', '\uFEFF{}', '{"__proto__":{"role":"ADMIN"}}'),
);
