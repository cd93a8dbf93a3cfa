# skyscan as a container image: one static (musl) binary on an empty base.
#
#   docker build -t skyscan .
#   docker run --rm -v "$PWD:/src" skyscan scan .
#   docker run --rm -v "$PWD:/src" skyscan history .
#
# (`history` and `staged` open a repository another user owns with
# gitoxide's reduced trust: no --user is needed.)
#
# The build stage compiles on Alpine, whose Rust targets musl: libdeflate is
# compiled from C there too (musl-dev gives the C library),
# and the binary links statically. skyscan makes no network connection, so
# the image holds that binary, an empty /tmp and nothing else: no shell, no
# package manager, no CA bundle.

FROM rust:1.89-alpine3.22 AS build
RUN apk add --no-cache musl-dev=~1.2
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY rules ./rules
COPY README.md LICENSE ./
RUN cargo build --release --locked \
    && install -D target/release/skyscan /out/skyscan \
    && /out/skyscan --version \
    && mkdir -m 1777 /out/tmp

FROM scratch
COPY --from=build /out/tmp /tmp
COPY --from=build /out/skyscan /usr/local/bin/skyscan
WORKDIR /src
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/skyscan"]
CMD ["scan", "."]
