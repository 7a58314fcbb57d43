//! `terrace`: arguments in, exit code out. The only place that prints top-level errors.

use std::process::ExitCode;

/// Evaluation recurses along reference chains; a large stack keeps deep configurations safe.
const STACK_SIZE: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let worker = std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || terrace::cli::run(args));
    let result = match worker {
        Ok(h) => h
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error: the command panicked"))),
        Err(e) => Err(anyhow::anyhow!("cannot start: {e}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Evaluation and planning allocate many small values; mimalloc handles that pattern (and
/// large multi-threaded heaps) much better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
