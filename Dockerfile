# syntax=docker/dockerfile:1
#
# Switchyard API and worker image. One image, two roles, both compiled JavaScript (npm run build):
#   API:    node dist/api.js     (default CMD; listens on $PORT, 3000)
#   worker: node dist/worker.js  (docker-compose.yml overrides the command)
# The container talks to a real Temporal cluster (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL);
# the embedded dev server and PGlite of `npm start` are not used here.
#
# Three stages: `build` installs everything and compiles src/ into dist/ (with the prebuilt Temporal
# workflow bundle), `deps` installs the production dependencies alone, `runtime` takes dist/ from
# the one and node_modules from the other. Neither TypeScript sources nor tsx ship.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies, then npm run build -------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The postinstall hook (scripts/setup-temporal.mjs) pip-installs the Temporal CLI and test server.
# The image needs neither, and the slim image has no Python: pointing both paths at an existing
# file makes the hook skip the install.
ENV TEMPORAL_CLI_PATH=/bin/true \
    TEMPORAL_TEST_SERVER_PATH=/bin/true
COPY package.json package-lock.json ./
COPY scripts/ ./scripts/
# The postinstall hook also builds the operator console (console/ → console/dist/) with Vite (its
# imports of src/schemas are type-only: erased, not bundled).
COPY console/ ./console/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src/ ./src/
RUN npm run build

# --- deps: production dependencies only ----------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV TEMPORAL_CLI_PATH=/bin/true \
    TEMPORAL_TEST_SERVER_PATH=/bin/true
COPY package.json package-lock.json ./
COPY scripts/ ./scripts/
# dist/ imports only `dependencies` (test/compose.test.ts checks the import graph).
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX and the node flags below are those of package.json's start:prod:* scripts.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# package.json: "type": "module" for dist/*.js, and the version the app reports.
COPY package.json ./
COPY --from=build /app/dist ./dist
# The operator console's built assets (served at /console); the deps stage has no Vite to build it.
COPY --from=build /app/console/dist ./console/dist
# The app's data dir (.data by default) must be writable by the unprivileged user; the code
# itself stays root-owned and read-only to it.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# No curl in the slim image: probe /healthz with node itself (global fetch, Node 20).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself, not npm: no npm process beside it, and SIGTERM reaches the app directly.
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=384", "dist/api.js"]
