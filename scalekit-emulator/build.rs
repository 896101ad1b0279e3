//! Compiles the served subset of Scalekit's gRPC API (`proto/`) with protox,
//! a protobuf compiler in Rust, so no system `protoc` is needed. The
//! emulator's servers go to `$OUT_DIR/server`; the clients its tests use go
//! to `$OUT_DIR/client`, with message types of their own.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "scalekit/v1/organizations/organizations.proto",
    "scalekit/v1/connections/connections.proto",
    "scalekit/v1/directories/directories.proto",
    "scalekit/v1/domains/domains.proto",
    "scalekit/v1/errdetails/errdetails.proto",
    "google/rpc/status.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    for (side, server) in [("server", true), ("client", false)] {
        let dir = out_dir.join(side);
        std::fs::create_dir_all(&dir)?;
        tonic_prost_build::configure()
            .build_server(server)
            .build_client(!server)
            .build_transport(false)
            .emit_rerun_if_changed(false)
            .include_file("mod.rs")
            .out_dir(&dir)
            .compile_fds(descriptors.clone())?;
    }
    Ok(())
}
