import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CarrierDb, SupplierDb } from '../../prisma/clients';
import { createCarrierApi } from '../../activities/carrier/http';
import { createSupplierApi } from '../../activities/supplier/http';
import { clientTypesFile, openApiDocuments } from '../../scripts/openapi';
import { startGateway } from '../unit/api/gateway-harness';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const documents = openApiDocuments();
type Document = (typeof documents)['gateway'];
const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  name: string;
  path: string;
  operationId?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

function operationsOf(document: Document): Operation[] {
  return Object.entries(document.paths ?? {}).flatMap(([route, item]) =>
    methods.flatMap((method) => {
      const operation = (item as Record<string, unknown>)[method] as Omit<Operation, 'name' | 'path'> | undefined;
      return operation ? [{ ...operation, name: `${method.toUpperCase()} ${route}`, path: route }] : [];
    }),
  );
}

describe('the OpenAPI documents', () => {
  it('pass redocly lint with the recommended rules: no error, no warning', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-lint-'));
    try {
      const files = Object.entries(documents).map(([name, document]) => {
        const file = path.join(dir, `${name}.json`);
        fs.writeFileSync(file, JSON.stringify(document, null, 2));
        return file;
      });
      const { stdout } = await run(
        path.join(root, 'node_modules', '.bin', 'redocly'),
        ['lint', '--config', path.join(root, 'redocly.yaml'), '--format', 'json', ...files],
        { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      // One JSON report per document, one after the other.
      const reports = JSON.parse(`[${stdout.trim().replace(/\}\s*\{/g, '},{')}]`) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string }[];
      }[];
      expect(reports).toHaveLength(3);
      for (const report of reports) {
        expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
        expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('are what the running apps serve at /openapi.json', async () => {
    const gateway = await startGateway();
    try {
      expect(await (await gateway.request('/openapi.json')).json()).toEqual(JSON.parse(JSON.stringify(documents.gateway)));
    } finally {
      await gateway.close();
    }
    const supplier = createSupplierApi({} as SupplierDb);
    expect(await (await supplier.request('/openapi.json')).json()).toEqual(JSON.parse(JSON.stringify(documents.supplier)));
    const carrier = createCarrierApi({} as CarrierDb);
    expect(await (await carrier.request('/openapi.json')).json()).toEqual(JSON.parse(JSON.stringify(documents.carrier)));
  });

  describe.each(Object.keys(documents) as (keyof typeof documents)[])('the %s document', (name) => {
    const document = documents[name];
    const operations = operationsOf(document);
    const declaredTags = new Set((document.tags ?? []).map((tag) => tag.name));

    it('names every operation with a unique camelCase operationId, describes it and tags it with declared tags', () => {
      expect(operations.length).toBeGreaterThan(2);
      for (const operation of operations) {
        expect({ [operation.name]: operation.operationId }).toEqual({ [operation.name]: expect.stringMatching(/^[a-z][A-Za-z]+$/) });
        expect({ [operation.name]: operation.description }).toEqual({ [operation.name]: expect.stringMatching(/\w{3}/) });
        expect(operation.tags?.length).toBeGreaterThan(0);
        for (const tag of operation.tags ?? []) expect(declaredTags).toContain(tag);
      }
      const ids = operations.map((operation) => operation.operationId);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('answers every error in the error schema, and documents 400 wherever there is input to refuse', () => {
      for (const operation of operations) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          expect({ [`${operation.name} ${status}`]: response.content?.['application/json']?.schema?.$ref }).toEqual({
            [`${operation.name} ${status}`]: '#/components/schemas/ErrorBody',
          });
        }
        const takesInput = (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
        if (takesInput) expect({ [operation.name]: Object.keys(operation.responses) }).toEqual({ [operation.name]: expect.arrayContaining(['400']) });
        if (name !== 'gateway' && operation.path !== '/health') {
          expect({ [operation.name]: Object.keys(operation.responses) }).toEqual({ [operation.name]: expect.arrayContaining(['500']) });
        }
      }
    });
  });

  describe.each(['supplier', 'carrier'] as const)('the %s document', (name) => {
    it('wants the service token (a bearer token) on every operation but GET /health, each documenting 401', () => {
      const document = documents[name] as unknown as Document & {
        security?: unknown;
        components?: { securitySchemes?: Record<string, unknown> };
      };
      expect(document.security).toEqual([{ serviceToken: [] }]);
      expect(document.components?.securitySchemes?.serviceToken).toMatchObject({ type: 'http', scheme: 'bearer' });
      for (const operation of operationsOf(document)) {
        if (operation.name === 'GET /health') {
          expect(operation.security).toEqual([]);
          continue;
        }
        expect({ [operation.name]: operation.security }).toEqual({ [operation.name]: undefined });
        expect({ [operation.name]: Object.keys(operation.responses) }).toEqual({ [operation.name]: expect.arrayContaining(['401']) });
      }
    });
  });

  describe('the gateway document', () => {
    const operations = operationsOf(documents.gateway);
    const probes = ['GET /health', 'GET /ready'];

    it('names the operations as a generated client would call them', () => {
      expect(Object.fromEntries(operations.map((operation) => [operation.name, operation.operationId]))).toEqual({
        'POST /auth/register': 'registerUser',
        'POST /auth/login': 'logIn',
        'POST /auth/logout': 'logOut',
        'POST /auth/password': 'changePassword',
        'GET /auth/me': 'getCurrentUser',
        'DELETE /auth/me': 'eraseCurrentUser',
        'DELETE /users/{id}': 'eraseUser',
        'GET /erasures/{id}': 'getErasure',
        'GET /products': 'listProducts',
        'POST /products': 'createProduct',
        'PATCH /products/{sku}': 'updateProduct',
        'DELETE /products/{sku}': 'deleteProduct',
        'GET /inventory/{sku}': 'getStock',
        'PUT /inventory/{sku}': 'setStock',
        'GET /deliveries/{id}': 'getDelivery',
        'GET /orders/{purchaseId}': 'getSupplierOrder',
        'POST /purchases': 'createPurchase',
        'GET /purchases': 'listPurchases',
        'GET /purchases/{id}': 'getPurchase',
        'POST /purchases/{id}/cancel': 'cancelPurchase',
        'GET /health': 'getHealth',
        'GET /ready': 'getReadiness',
      });
    });

    it('says which operations want a bearer token, and those document 401; the rest want none', () => {
      const open = ['POST /auth/register', 'POST /auth/login', 'GET /products', ...probes];
      for (const operation of operations) {
        if (open.includes(operation.name)) {
          expect({ [operation.name]: operation.security }).toEqual({ [operation.name]: [] });
        } else {
          expect({ [operation.name]: operation.security }).toEqual({ [operation.name]: [{ bearerAuth: [] }] });
          expect(Object.keys(operation.responses)).toContain('401');
        }
      }
    });

    it('documents 429 and 500 on every rate-limited operation, 413 wherever a body is taken, and no 429 on the probes', () => {
      for (const operation of operations) {
        const statuses = Object.keys(operation.responses);
        if (probes.includes(operation.name)) {
          expect({ [operation.name]: statuses }).toEqual({ [operation.name]: expect.not.arrayContaining(['429']) });
          continue;
        }
        expect({ [operation.name]: statuses }).toEqual({ [operation.name]: expect.arrayContaining(['429', '500']) });
        if (operation.requestBody) expect({ [operation.name]: statuses }).toEqual({ [operation.name]: expect.arrayContaining(['413']) });
      }
    });
  });
});

describe('the generated gateway client', () => {
  // npm run typecheck checks the checked-in client against the current document; this shows that the check bites.
  it('is refused by the check when it no longer matches the document', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-client-'));
    const stale = path.join(dir, 'gateway.ts');
    fs.writeFileSync(stale, fs.readFileSync(clientTypesFile, 'utf8').replace('"/purchases/{id}/cancel"', '"/purchases/{id}/abort"'));
    try {
      const outcome = await run(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'openapi.ts'), '--check', '--client', stale], {
        cwd: root,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain("does not match the gateway's OpenAPI document: run npm run openapi");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
