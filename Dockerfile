# warden: the daemon image. `docker compose up` runs it against the compose file's anvil and redis.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENTRYPOINT ["node", "bin/warden.js"]
CMD ["run", "--config", "config/example.yaml"]
