use clap::FromArgMatches;

#[tokio::main]
async fn main() {
    // Parsed with the Chinese headings; a parse error is reworded, help and version print as is.
    let matches = match mingzhang::cli::words::command().try_get_matches() {
        Ok(m) => m,
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            print!("{}", mingzhang::cli::words::help_text(&e));
            std::process::exit(0);
        }
        Err(e) => {
            eprint!("{}", mingzhang::cli::words::error_text(&e));
            std::process::exit(2);
        }
    };
    let cli = match mingzhang::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            eprint!("{}", mingzhang::cli::words::error_text(&e));
            std::process::exit(2);
        }
    };
    match mingzhang::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::exit(1);
        }
    }
}
