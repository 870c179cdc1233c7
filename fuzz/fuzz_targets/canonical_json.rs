#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provedex_fuzz_checks::check_canonical(data));
