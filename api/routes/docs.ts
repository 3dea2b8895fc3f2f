import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { swaggerUI } from '@hono/swagger-ui';
import { Hono } from 'hono';
import type { AppEnv } from '../context';

// Swagger UI's assets come from the swagger-ui-dist package, served here: the docs work with no CDN in reach.
const assetsRoot = path.relative(process.cwd(), path.dirname(require.resolve('swagger-ui-dist/package.json')));
const assetsPath = '/docs/assets';

/** GET /docs: Swagger UI over /openapi.json. */
export function docsRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get(
    `${assetsPath}/swagger-ui-dist/*`,
    serveStatic({ root: assetsRoot, rewriteRequestPath: (requestPath) => requestPath.replace(`${assetsPath}/swagger-ui-dist`, '') }),
  );
  routes.get('/docs', swaggerUI({ url: '/openapi.json', title: 'Purchase gateway API', baseUrl: assetsPath }));
  return routes;
}
