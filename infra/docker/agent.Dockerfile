# syntax=docker/dockerfile:1.7
# The host agent as a container (for compose demos and hosts that run everything in containers;
# on a plain host prefer infra/agent/install-agent.sh and its systemd unit). The agent is one
# bundled file run by Node; it keeps its credential and spool in /var/lib/flotilla-agent.
#   docker build -f infra/docker/agent.Dockerfile -t flotilla/agent .
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN npm install -g pnpm@12.4.2
WORKDIR /src
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm install --frozen-lockfile --filter @flotilla/agent... \
 && pnpm --filter @flotilla/agent run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production FLOTILLA_STATE_DIR=/var/lib/flotilla-agent
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10002 flotilla-agent \
 && useradd --system --uid 10002 --gid flotilla-agent --home-dir /var/lib/flotilla-agent --shell /usr/sbin/nologin flotilla-agent \
 && install -d -o flotilla-agent -g flotilla-agent -m 0700 /var/lib/flotilla-agent
COPY --from=build /src/apps/agent/dist/flotilla-agent.mjs /opt/flotilla-agent/flotilla-agent.mjs
# Non-root by default. To manage Docker workloads, mount the socket and add its group
# (compose: group_add with the socket's gid); the sim driver needs nothing.
USER 10002:10002
VOLUME ["/var/lib/flotilla-agent"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/flotilla-agent/flotilla-agent.mjs"]
CMD ["run"]
