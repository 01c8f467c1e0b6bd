# syntax=docker/dockerfile:1
#
# Switchyard API and worker image. One image, two roles:
#   API:    CMD npm run start:api     (default; listens on $PORT, 3000)
#   worker: CMD npm run start:worker  (docker-compose.yml overrides the command)
# The container talks to a real Temporal cluster (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL);
# the embedded dev server and PGlite of `npm start` are not used here.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies -------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# The postinstall hook (scripts/setup-temporal.mjs) pip-installs the Temporal CLI and test server.
# The container needs neither, and the slim image has no Python: pointing both paths at an
# existing file makes the hook skip the install.
ENV TEMPORAL_CLI_PATH=/bin/true \
    TEMPORAL_TEST_SERVER_PATH=/bin/true
COPY package.json package-lock.json ./
COPY scripts/ ./scripts/
# tsx (which runs the TypeScript sources) is a production dependency, so dev dependencies can go.
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY scripts/ ./scripts/
COPY src/ ./src/
# The app's data dir (.data by default) must be writable by the unprivileged user; the code
# itself stays root-owned and read-only to it.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# No curl in the slim image: probe /healthz with node itself (global fetch, Node 20).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["npm", "run", "start:api"]
