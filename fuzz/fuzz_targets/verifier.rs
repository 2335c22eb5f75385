//! libFuzzer entry point of the `verifier` target; the body is [`nanotrace_fuzz::verifier::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nanotrace_fuzz::verifier::run(data));
