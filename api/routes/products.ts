import { createRoute, z } from '@hono/zod-openapi';
import { CreateProductRequest, Product, UpdateProductRequest } from '../../contracts/catalog';
import { CodedError } from '../../contracts/errors';
import { Sku } from '../../contracts/purchase';
import type { StoreDb } from '../../prisma/clients';
import { unavailable } from '../errors';
import type { AuthMiddleware } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, noSecurity } from '../openapi';
import type { ServicesClient } from '../services-client';
import { isRecordMissing, isUniqueViolation } from '../../prisma/errors';

const ProductAnswer = z.object({ product: Product });
const SkuParam = z.object({ sku: Sku });

interface ProductRow {
  id: string;
  sku: string;
  name: string;
  priceCents: number;
}

const productFrom = (row: ProductRow, available: number | null): Product => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  priceCents: row.priceCents,
  available,
});

export function productRoutes(deps: { store: StoreDb; services: ServicesClient; auth: AuthMiddleware }) {
  const { store, services, auth } = deps;
  const router = createRouter();

  /** The supplier's stock for one SKU, or null while it cannot say. */
  const availableOf = async (sku: string): Promise<number | null> => {
    try {
      return (await services.getStock(sku)).available;
    } catch (error) {
      if (error instanceof CodedError && error.code === 'NOT_FOUND') return 0;
      if (error instanceof CodedError && error.code === 'SERVICE_UNAVAILABLE') return null;
      throw error;
    }
  };

  router.openapi(
    createRoute({
      method: 'get',
      path: '/products',
      operationId: 'listProducts',
      tags: ['products'],
      summary: 'The catalog, with the supplier’s available stock',
      description:
        'Every product by SKU with its price and the supplier’s available units; `available` is null while the supplier ' +
        'cannot be reached, and the catalog is served regardless.',
      security: noSecurity,
      responses: { 200: jsonContent(z.object({ items: z.array(Product) }), 'Every product'), ...errorResponses() },
    }),
    async (c) => {
      const [rows, stock] = await Promise.all([
        store.product.findMany({ orderBy: { sku: 'asc' } }),
        // One call for the whole catalog; the catalog is still served when the supplier is down.
        services.listStock().catch((error: unknown) => {
          if (error instanceof CodedError && error.code !== 'INTERNAL') return null;
          throw error;
        }),
      ]);
      const availableBySku = stock ? new Map(stock.map((level) => [level.sku, level.available])) : null;
      const items = rows.map((row) => productFrom(row, availableBySku ? (availableBySku.get(row.sku) ?? 0) : null));
      return c.json({ items }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/products',
      operationId: 'createProduct',
      tags: ['products'],
      summary: 'Add a product and set its stock at the supplier (ADMIN)',
      description:
        'Adds the product to the catalog and sets its stock at the supplier (`stock`, default 0). When the supplier does ' +
        'not take the stock the product is removed again and the answer is 503.',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { body: jsonBody(CreateProductRequest) },
      responses: { 201: jsonContent(ProductAnswer, 'The new product'), ...errorResponses(400, 401, 403, 409, 413, 503) },
    }),
    async (c) => {
      const request = c.req.valid('json');
      let row: ProductRow;
      try {
        row = await store.product.create({
          data: { id: crypto.randomUUID(), sku: request.sku, name: request.name, priceCents: request.priceCents },
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new CodedError('SKU_TAKEN', `A product with SKU ${request.sku} exists`);
        throw error;
      }
      try {
        const level = await services.setStock(row.sku, request.stock ?? 0);
        return c.json({ product: productFrom(row, level.available) }, 201);
      } catch (error) {
        // A product the supplier does not stock could be sold but never reserved: take it back.
        await store.product.deleteMany({ where: { id: row.id } });
        if (error instanceof CodedError && error.code === 'SERVICE_UNAVAILABLE') throw error;
        throw unavailable(`The supplier did not take the stock for ${row.sku}; try again`, error);
      }
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/products/{sku}',
      operationId: 'updateProduct',
      tags: ['products'],
      summary: 'Rename or reprice a product (ADMIN)',
      description: 'Changes the name, the price or both; purchases already made keep the price they were made at.',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: SkuParam, body: jsonBody(UpdateProductRequest) },
      responses: { 200: jsonContent(ProductAnswer, 'The updated product'), ...errorResponses(400, 401, 403, 404, 413) },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const changes = c.req.valid('json');
      let row: ProductRow;
      try {
        row = await store.product.update({ where: { sku }, data: changes });
      } catch (error) {
        if (isRecordMissing(error)) throw new CodedError('NOT_FOUND', `No product with SKU ${sku}`);
        throw error;
      }
      return c.json({ product: productFrom(row, await availableOf(row.sku)) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/products/{sku}',
      operationId: 'deleteProduct',
      tags: ['products'],
      summary: 'Remove a product from the catalog (ADMIN)',
      description: 'Removes the product from the catalog; purchases already made keep their prices, the supplier its stock.',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: SkuParam },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const { count } = await store.product.deleteMany({ where: { sku } });
      if (count === 0) throw new CodedError('NOT_FOUND', `No product with SKU ${sku}`);
      return c.body(null, 204);
    },
  );

  return router;
}
