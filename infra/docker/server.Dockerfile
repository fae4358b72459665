# syntax=docker/dockerfile:1.7
# The Flotilla server image: dashboard (built Next.js), tRPC, Socket.IO and the agent gateway in
# one Node process. Multi-stage: dependencies and builds happen in `build`; `runtime` gets only
# the workspace it needs and runs as an unprivileged user. Build from the repository root:
#   docker build -f infra/docker/server.Dockerfile -t flotilla/server .
# The same image runs migrations (`migrate` command, see infra/k8s/migrate-job.yaml).

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV PNPM_HOME=/pnpm NEXT_TELEMETRY_DISABLED=1 CI=true
RUN npm install -g pnpm@12.4.2
WORKDIR /src
# Manifests first, so the dependency layer is reused until a lockfile or package.json changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY apps/web/package.json apps/web/
COPY apps/agent/package.json apps/agent/
COPY packages/db/package.json packages/db/
COPY packages/protocol/package.json packages/protocol/
COPY packages/planner/package.json packages/planner/
COPY infra/package.json infra/
COPY test/package.json test/
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY . .
RUN pnpm --filter @flotilla/db run generate \
 && pnpm --filter @flotilla/agent run build \
 && pnpm --filter @flotilla/web run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOST=0.0.0.0 FLOTILLA_UI=prod
# tini reaps children and forwards SIGTERM, so the server's graceful shutdown runs on pod stop.
RUN apt-get update && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 flotilla \
 && useradd --system --uid 10001 --gid flotilla --home-dir /app --shell /usr/sbin/nologin flotilla
WORKDIR /app
COPY --from=build --chown=root:root /src/package.json /src/pnpm-workspace.yaml /src/tsconfig.base.json ./
# pnpm's node_modules are symlinks into node_modules/.pnpm: copied as they are. tsx stays, since
# the server runs its TypeScript directly (as in development), and Next serves apps/web/.next.
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/packages ./packages
COPY --from=build --chown=root:root /src/apps/web ./apps/web
# The agent bundle, served to hosts by the install script's download step.
COPY --from=build --chown=root:root /src/apps/agent/dist ./apps/agent/dist
COPY --chmod=0755 infra/docker/server-entrypoint.sh /usr/local/bin/flotilla
# The code is root-owned and read-only to the server; it needs no writable directory of its own
# (FLOTILLA_SECRET_KEY comes from the environment in production).
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/flotilla"]
CMD ["serve"]
