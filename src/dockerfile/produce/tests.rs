use super::*;
use crate::dockerfile::parse;

fn judged(src: &str) -> Vec<(usize, Arch, bool)> {
    let df = parse("Dockerfile", src).unwrap();
    let g = StageGraph::new(&df, None, &[]).unwrap();
    let p = Products::new(&df, &g);
    p.stages
        .iter()
        .flatten()
        .map(|x| {
            (
                x.line,
                x.output.arch,
                !deliveries(&df, &g, &p, x).is_empty(),
            )
        })
        .collect()
}

#[test]
fn go_builds_by_goarch() {
    let src = "FROM golang AS b\nARG TARGETARCH\nWORKDIR /src\nRUN GOARCH=$TARGETARCH go build -o /out/ghz ./cmd/ghz\nRUN go build -o /out/loadtester ./cmd/lt\nRUN GOARCH=arm64 go build -o /out/arm\nRUN go mod download && go test -c -o /t\nFROM scratch\nCOPY --from=b /out/ /\n";
    assert_eq!(
        judged(src),
        vec![
            (4, Arch::Target, true),
            (5, Arch::Native, true),
            (6, Arch::Fixed, true),
            (7, Arch::Native, false),
        ]
    );
}

#[test]
fn env_scope_and_undeclared_arg() {
    let src = "FROM golang AS b\nARG TARGETARCH\nENV GOARCH=$TARGETARCH\nRUN go build -o /m\nFROM golang AS c\nRUN GOARCH=$TARGETARCH go build -o /n\nFROM scratch\nCOPY --from=b /m /m\nCOPY --from=c /n /n\n";
    assert_eq!(
        judged(src),
        vec![(4, Arch::Target, true), (6, Arch::Native, true)]
    );
}

#[test]
fn installroot_ships_and_system_packages_do_not() {
    let src = "FROM fedora AS pkgs\nARG TARGETARCH\nRUN dnf install -y --installroot=/image glibc\nRUN dnf install -y golang && go build -o /image/bin/x\nFROM scratch\nCOPY --from=pkgs /image/ /\n";
    let j = judged(src);
    assert_eq!(j[0], (3, Arch::Native, true));
    assert_eq!(j[1], (4, Arch::Native, false));
    assert_eq!(j[2].1, Arch::Native);
}

#[test]
fn xx_downloads_and_tools() {
    let src = "FROM tonistiigi/xx AS xx\nFROM golang AS b\nCOPY --from=xx / /\nARG TARGETPLATFORM TARGETARCH\nRUN xx-go build -o /a && xx-apk add musl-dev\nRUN curl -fsSLo /k https://dl/k/${TARGETARCH}/kubectl\nRUN curl -fsSLo /h https://dl/h-$(uname -m)\nRUN npm ci && pip install -r req.txt\nFROM scratch\nCOPY --from=b /a /k /h /\n";
    let j = judged(src);
    let arch: Vec<Arch> = j.iter().map(|x| x.1).collect();
    assert_eq!(
        arch,
        vec![
            Arch::Target,
            Arch::Target,
            Arch::Target,
            Arch::Native,
            Arch::Native,
            Arch::Native
        ]
    );
    let ships: Vec<bool> = j.iter().map(|x| x.2).collect();
    assert_eq!(ships, vec![true, false, true, true, false, false]);
}

#[test]
fn followed_through_chains_and_mounts() {
    let src = "FROM golang AS tool\nRUN go install example.com/dlv@latest\nFROM alpine AS stash\nCOPY --from=tool /go/bin/dlv /tools/dlv\nFROM alpine AS unused\nCOPY --from=tool /go/bin /x\nFROM alpine\nRUN --mount=from=stash,source=/tools,target=/t cp /t/dlv /usr/bin/\n";
    assert_eq!(judged(src), vec![(2, Arch::Native, true)]);
}

#[test]
fn cargo_with_and_without_target() {
    let src = "FROM rust AS b\nWORKDIR /app\nRUN cargo build --release --target x86_64-unknown-linux-musl\nFROM rust AS c\nRUN cargo build --release\nFROM scratch\nCOPY --from=b /app/target/x86_64-unknown-linux-musl/release/app /\nCOPY --from=c /target/release/c /\n";
    assert_eq!(
        judged(src),
        vec![(3, Arch::Fixed, true), (5, Arch::Native, true)]
    );
}

#[test]
fn go_build_without_o_writes_the_package_name() {
    let src = "FROM golang AS b\nARG TARGETARCH\nWORKDIR /src\nRUN go build -ldflags \"-s -w\" -trimpath ./cmd/manager\nRUN go build .\nFROM scratch\nCOPY --from=b /src/manager /m\n";
    assert_eq!(
        judged(src),
        vec![(4, Arch::Native, true), (5, Arch::Native, false)]
    );
}
