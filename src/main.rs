use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = mingzhang::cli::Cli::parse();
    match mingzhang::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::exit(1);
        }
    }
}
