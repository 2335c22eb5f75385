//! libFuzzer entry point of the `contract` target; the body is [`nanotrace_fuzz::contract::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nanotrace_fuzz::contract::run(data));
