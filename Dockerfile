# syntax=docker/dockerfile:1
# sagemaker-profile-operator: compiled JavaScript on Node 24 LTS, production dependencies only, non-root.
# Build: docker build -t sagemaker-profile-operator:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
# scripts/image-layout.ts reproduces the final stage's /app without a container engine (used by the tests).

ARG NODE_IMAGE=node:24-slim

# Compiles TypeScript with the full dependency tree (dev dependencies included).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# src/ only: the local stack (packages/, a workspace) is a development tool and stays out of the image.
COPY src ./src
RUN npm run build

# Production dependencies only, no install scripts: nothing here needs one, and none runs in the image.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="sagemaker-profile-operator" \
      org.opencontainers.image.description="Kubernetes operator that keeps Amazon SageMaker Studio user profiles equal to SageMakerUserProfile resources" \
      org.opencontainers.image.source="https://github.com/sagemaker-gitops/sagemaker-profile-operator" \
      org.opencontainers.image.documentation="https://github.com/sagemaker-gitops/sagemaker-profile-operator/tree/main/docs" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
# The runtime needs node and nothing else: drop the package managers (smaller image, less to patch).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# HOME: uid 65532 has no passwd entry, and the AWS SDK looks for ~/.aws; /tmp is the writable mount.
ENV NODE_ENV=production HOME=/tmp
WORKDIR /app
# Owned by root and read-only for the runtime user: the process writes nothing (the chart mounts an emptyDir on /tmp
# and sets readOnlyRootFilesystem).
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY crds ./crds
# Numeric, so runAsNonRoot can verify it without an /etc/passwd entry (the chart runs as the same 65532).
USER 65532:65532
EXPOSE 8080 8081
# The operator drains its work queue and releases its Lease on SIGTERM (--shutdown-timeout).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
