//! libFuzzer entry point of the `token` target; the body is [`nanotrace_fuzz::token::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nanotrace_fuzz::token::run(data));
