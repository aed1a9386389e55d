use std::process::ExitCode;

/// mimalloc, not glibc's malloc: building a page allocates and frees many small strings
/// and rows, and glibc's allocator was a third of the instructions of a first view of
/// the home page (callgrind, page cache off).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tandem::cli::main()
}
