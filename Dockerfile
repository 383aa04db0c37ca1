# tiktok-bff image: compile with the dev dependencies, run dist/ with production ones only.
# The final stage holds dist/, the production node_modules and package.json, owned by root
# and read-only to the non-root user that runs the service.

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The image's own unprivileged user (uid 1000).
USER node
EXPOSE 3000
# Slim images have no curl: Node's own fetch. Liveness only (readiness is /health/ready).
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same command as `npm start`, without npm in between: node is PID 1 and receives
# `docker stop`'s SIGTERM itself (it installs its own handlers; it starts no children).
CMD ["node", "dist/server.js"]
