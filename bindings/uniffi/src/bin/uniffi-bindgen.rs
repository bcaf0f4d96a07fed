//! The workspace's own `uniffi-bindgen`, so the generator always matches the
//! uniffi version the library was built with.
//!
//! `cargo run -p yikatong-ffi --bin uniffi-bindgen -- generate --library <cdylib> --language kotlin --out-dir <dir>`

fn main() {
    uniffi::uniffi_bindgen_main()
}
