# syntax=docker/dockerfile:1
# One image, four processes: the command names the entry point (api/main.ts, workers/orchestrator.ts,
# workers/supplier.ts, workers/carrier.ts). Node is PID 1 in exec form, so SIGTERM reaches it and workers drain.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles where no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# Production dependencies only; postinstall generates the three Prisma clients into prisma/*/generated.
RUN npm ci --omit=dev --no-audit --no-fund
RUN if npm run | grep -q 'build:workflows'; then npm run build:workflows; fi

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000 3001 3002 3003
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["api/main.ts"]
