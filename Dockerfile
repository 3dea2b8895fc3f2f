# syntax=docker/dockerfile:1
# One image, four processes, compiled: the command names the bundle to run (dist/api/main.js,
# dist/workers/orchestrator.js, dist/workers/supplier.js, dist/workers/carrier.js; dist/scripts/prisma.js migrates).
# Node is PID 1 in exec form, so SIGTERM reaches it and workers drain. No TypeScript loader at run time.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles where no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# Every dependency, the development tools too (tsx, esbuild); postinstall generates the Prisma clients.
RUN npm ci --no-audit --no-fund
# The processes compiled into dist/ with their source maps; the workflow code bundled once into build/workflows.
# The runtime stage takes its dependencies from the stage below, so these ones go.
RUN npm run build \
 && npm run build:workflows \
 && rm -rf node_modules

FROM node:20.19-bookworm-slim AS dependencies
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/postinstall.mjs scripts/
# Production dependencies only: no tsx, no esbuild (postinstall sees so and generates nothing: the clients are in dist/).
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production
# Two malloc arenas per process instead of glibc's 8 per core, as compiledEnvironment (launch/services.ts) says why.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
# The sources stay beside dist/: the worker checks the workflow bundle against them, and Prisma's migrations, schemas
# and config files are read from prisma/.
COPY --from=build --chown=node:node /app /app
COPY --from=dependencies --chown=node:node /app/node_modules /app/node_modules
USER node
EXPOSE 3000 3001 3002 3003
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["node", "--enable-source-maps", "--max-semi-space-size=4"]
CMD ["dist/api/main.js"]
