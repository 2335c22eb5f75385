//! libFuzzer entry point of the `ccaas` target; the body is [`nanotrace_fuzz::ccaas::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nanotrace_fuzz::ccaas::run(data));
