//! The `folio` command: parses arguments and hands over to [`cli::run`]; exit codes 0 (ok),
//! 1 (a conversion failed), 2 (usage error).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
