# Functions image: the compiled app on the official Azure Functions Node base, run as the
# `api` and `worker` Deployments (k8s/base/functions), which pick their functions by env.
#
#   az acr build -r <acr> -t fib-functions:<tag> .        (no local Docker needed)
#   docker build -t fib-functions:<tag> .
#
# Build context is the repo root. The root package.json is also an npm workspace root
# (workspace `web`); `--workspaces=false` installs the Functions app's own dependencies
# only, so none of the web app's packages reach this image.

# Node 24 (LTS until 2028-04-30): the newest Node with a published Functions v4 image and
# documented support (checked 2026-11). Azure/azure-functions-docker publishes
# mcr.microsoft.com/azure-functions/node:4-node24 (issue #1246 there, 2026-02), and
# Microsoft Learn's Functions Node pages carry Node 24 notes (MicrosoftDocs/azure-docs
# PR #128561, 2026-07). Node 26 support has landed in the Node worker
# (Azure/azure-functions-nodejs-worker PR #809, 2026-05) but is still open in the library
# (Azure/azure-functions-nodejs-library issue #443) and no 4-node26 image was found.
# Node 20 reached end of life on 2026-04-30. The build stages use the same Node major as
# the runtime. Either can be overridden with --build-arg (az acr build accepts it too).
# FUNCTIONS_IMAGE is a major tag on purpose; scripts/aks/provision.sh builds on the exact
# digest it resolves to (docs/deploy-aks.md, "Images use Node 24").
# NODE_IMAGE floor: 24.22.3 (k8s/test/images.test.ts; Docker has no end-of-line comments)
ARG NODE_IMAGE=node:24.22.3-bookworm-slim
ARG FUNCTIONS_IMAGE=mcr.microsoft.com/azure-functions/node:4-node24

# --- build: all dependencies (typescript), compile to dist/ (also copies the .lua files)
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --workspaces=false --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json host.json ./
COPY local ./local
COPY functions ./functions
RUN npm run build

# --- production dependencies only
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --workspaces=false --omit=dev --no-audit --no-fund

# --- runtime
FROM ${FUNCTIONS_IMAGE}
# The base image listens on :80 (ASPNETCORE_URLS), which a non-root process cannot bind;
# the Services and probes in k8s/ target 8080.
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    FUNCTIONS_WORKER_RUNTIME=node \
    NODE_ENV=production \
    ASPNETCORE_URLS=http://+:8080

# A fixed numeric uid so `runAsNonRoot` can verify it; the host writes logs and state
# under $HOME (/home) and /tmp, so it owns /home.
RUN groupadd --system --gid 10001 func \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home --no-create-home --shell /usr/sbin/nologin func \
 && mkdir -p /home/site/wwwroot \
 && chown -R 10001:10001 /home

WORKDIR /home/site/wwwroot
COPY --chown=10001:10001 host.json package.json ./
COPY --chown=10001:10001 --from=prod-deps /src/node_modules ./node_modules
# Only the Functions app: the build also compiles the local host (dist/local), which is for
# `npm start` without Core Tools and never ships.
COPY --chown=10001:10001 --from=build /src/dist/functions ./dist/functions

USER 10001:10001
EXPOSE 8080

# Run the host itself as PID 1, so the kubelet's SIGTERM (every KEDA scale-in, every rollout)
# reaches it. The base image's CMD is /opt/startup/start_nonappservice.sh, a bash script that
# starts the host without `exec` (Azure/azure-functions-docker host/4/bookworm/node/*.Dockerfile;
# issue #404, open): bash as PID 1 ignores SIGTERM, so the host never hears it, keeps taking
# work for the whole grace period and is then SIGKILLed, and every task it held waits out its
# lease. The script does one more thing, installing extra CA certificates mounted for the
# container (install_ca_certificates.sh); none are mounted here, and a non-root user could not
# install them anyway. The .NET host handles SIGTERM itself: it stops its listeners (the Redis
# trigger stops popping), and the Node worker runs app.hook.appTerminate (index.ts: the app
# gives back unstarted work, waits for the compute in flight and closes every client).
CMD ["/azure-functions-host/Microsoft.Azure.WebJobs.Script.WebHost"]
