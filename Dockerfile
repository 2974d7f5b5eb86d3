# One image for every CPSD service; the command picks the service (see docker-compose.yml).

# The dashboard is built with the dev tools (Vite), then only its output goes into the runtime image.
FROM node:20-bookworm-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
COPY --from=dashboard /app/web/dist web/dist
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000 4001 4002 4003 4004 4005 4006
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT_TO_CHECK||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# One process (tsx as a loader, not the npx/tsx wrappers): SIGTERM reaches the service, which drains and exits 0.
ENTRYPOINT ["node", "--import", "tsx", "cli/cpsd.ts", "service"]
