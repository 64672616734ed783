//! Generates the gRPC code of `proto/echo.proto` for `tests/tonic_*.rs`, with tonic's own code
//! generator (as a tonic program does), and protoc from `protoc-bin-vendored` so that the build
//! needs nothing installed.

fn main() {
    let protoc = protoc_bin_vendored::protoc_bin_path()
        .expect("protoc-bin-vendored has a protoc for this platform");
    std::env::set_var("PROTOC", protoc);
    tonic_prost_build::compile_protos("proto/echo.proto").expect("proto/echo.proto compiles");
    println!("cargo:rerun-if-changed=proto/echo.proto");
}
