//! The figures of the statements issue: the 现金流量表 (会小企03表) of the demo's last year,
//! December with its 本年累计 column, on the demo's books (300 households, three years).
//! The 1,000,000-voucher figure is printed by `cargo bench --bench ledger`.
//!
//!     cargo bench --bench statements -- [--households 300] [--pg postgres://…]

use std::time::{Duration, Instant};

use clap::Parser;
use mingzhang::domain::period::Period;
use mingzhang::ledger::Ledger;
use mingzhang::report::statement::statement;
use mingzhang::store::AnyStore;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 300)]
    households: usize,
    #[arg(long, default_value_t = 2025)]
    year: i32,
    /// PostgreSQL URL of an empty database; SQLite in a temp dir when absent.
    #[arg(long)]
    pg: Option<String>,
    /// cargo bench passes --bench; accept and ignore it.
    #[arg(long, hide = true)]
    bench: bool,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run<S: mingzhang::app::AppStore>(store: S, args: &Args) -> mingzhang::Result<()> {
    let ledger = Ledger::new(store);
    let t = Instant::now();
    let books = mingzhang::cli::demo::build(&ledger, 1, args.year, args.households).await?;
    println!("demo: {} households, three years, built in {:.1} s", args.households, t.elapsed().as_secs_f64());
    let december = Period::new(args.year, 12).expect("December");
    let columns = |id: &str| if id == "balance_sheet" { "期末余额 and 年初余额" } else { "本年累计 and 本月" };
    for (id, label) in [("cash_flow", "现金流量表"), ("balance_sheet", "资产负债表"), ("income_statement", "利润表")] {
        let mut times = Vec::new();
        for _ in 0..9 {
            let t = Instant::now();
            let s = statement(&ledger.store, &books.company, id, december).await?;
            times.push(t.elapsed());
            assert!(s.checks_hold(), "{label} ties: {:?}", s.checks);
        }
        let goal = if id == "cash_flow" { " (goal < 50 ms)" } else { "" };
        println!("{label} of {december} ({}): median {:.1} ms of 9{goal}", columns(id), median(times).as_secs_f64() * 1e3);
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args.pg.clone().unwrap_or_else(|| dir.path().join("statements.db").to_string_lossy().into_owned());
    let store = AnyStore::create(&url).await.expect("open the database");
    let result = run(store, &args).await;
    if let Err(e) = result {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}
