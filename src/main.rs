//! The `skyscan` binary: parse arguments, run the library, map the outcome
//! to an exit code (0 clean, 1 findings, 2 usage or runtime error) and stay
//! quiet when the reader of our output goes away (broken pipe): the scanning
//! commands still exit with the code their findings call for.

use std::io::Write;
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
            print_error(e);
            ExitCode::from(2)
        }
    }
}

/// The error as a miette diagnostic on standard error, coloured or not as
/// `anstream` decides for standard error (`--color`, NO_COLOR, CLICOLOR,
/// CLICOLOR_FORCE, a terminal).
fn print_error(e: Error) {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode())
        .with_width(100);
    let mut text = String::new();
    if handler.render_report(&mut text, &e).is_err() {
        text = format!("error: {e}\n");
    }
    let _ = write!(anstream::stderr(), "{text}");
}
