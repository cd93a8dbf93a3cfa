//! The `skyscan` binary: parse arguments, run the library, map the outcome
//! to an exit code (0 clean, 1 findings, 2 usage or runtime error) and stay
//! quiet when the reader of our output goes away (broken pipe).

use std::process::ExitCode;

use clap::Parser;
use skyscan::app::{run, Outcome};
use skyscan::cli::Cli;
use skyscan::Error;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli.command) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Incomplete) => ExitCode::from(2),
        Err(Error::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}
