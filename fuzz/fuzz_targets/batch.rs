//! libFuzzer entry point of the `batch` target; the body is [`nanotrace_fuzz::batch::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nanotrace_fuzz::batch::run(data));
