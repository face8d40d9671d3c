# Paddock: build with the Swift toolchain image, run on slim Debian.
# The build step is the README's release build, with the Swift runtime linked statically.

FROM swift:6.3.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product paddock --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/paddock" /out/paddock

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/paddock --create-home paddock
COPY --from=build /out/paddock /usr/local/bin/paddock
USER 10001
WORKDIR /var/lib/paddock
VOLUME ["/var/lib/paddock"]
EXPOSE 7180
ENTRYPOINT ["paddock", "serve"]
CMD ["--listen", "0.0.0.0:7180", "--data-dir", "/var/lib/paddock/data"]
