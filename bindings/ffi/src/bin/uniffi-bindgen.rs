//! `uniffi-bindgen`: generates the Python, Kotlin and Swift sources of the
//! bindings from the built library. It lives in this crate so that the
//! generator always matches the library's uniffi version, and so that
//! maturin finds it when it builds the Python wheel.

fn main() {
    uniffi::uniffi_bindgen_main()
}
