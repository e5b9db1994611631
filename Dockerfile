# Citylink: a static binary with its pages, styles and migrations embedded,
# on a small non-root runtime image.

# The front-end libraries come from the npm registry at build time.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY scripts/assets scripts/assets
RUN mkdir -p static/vendor && bash scripts/assets

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/static/vendor/ static/vendor/
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/citylink ./cmd/citylink \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/citylink-sim ./cmd/citylink-sim

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/citylink /out/citylink-sim /usr/local/bin/
ENV CITYLINK_ADDR=0.0.0.0:8080 \
    CITYLINK_ENV=production
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/citylink"]
CMD ["serve"]
