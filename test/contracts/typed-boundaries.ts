/**
 * Checked by `npm run typecheck`, never run: each `@ts-expect-error` marks a line that must not compile. Should the
 * typing stop catching one of these mismatches, the directive is unused and the type check fails.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, jsonContent } from '../../api/openapi';
import { createGatewayClient } from '../../client';
import { Purchase } from '../../contracts/purchase';

const router = createRouter();
const route = createRoute({
  method: 'get',
  path: '/purchases/{id}',
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: jsonContent(z.object({ purchase: Purchase }), 'The purchase') },
});

// A handler that answers what its route documents compiles…
router.openapi(route, (c) => c.json({ purchase: {} as Purchase }, 200));
// @ts-expect-error …one whose answer the document does not show does not: a field of another shape,
router.openapi(route, (c) => c.json({ purchase: { id: c.req.valid('param').id } }, 200));
// @ts-expect-error …or a status the route does not document.
router.openapi(route, (c) => c.json({ purchase: {} as Purchase }, 201));

const gateway = createGatewayClient('http://127.0.0.1:3000', { token: 'token' });
const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
export async function callsTheDocumentDoesNotShow() {
  await gateway.POST('/purchases', { body: { items: [{ sku: 'SKU-1', quantity: 1 }], address: lisbon } });
  // @ts-expect-error a path the document does not have
  await gateway.POST('/purchases/{id}/abort', { params: { path: { id: 'x' } } });
  // @ts-expect-error a body the document does not allow
  await gateway.POST('/purchases', { body: { items: [{ sku: 'SKU-1', quantity: 'one' }], address: lisbon } });
  const { data } = await gateway.GET('/purchases/{id}', { params: { path: { id: 'x' } } });
  // @ts-expect-error a field the answer does not have
  return data?.purchase.price;
}
