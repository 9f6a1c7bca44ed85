//! The figure of the fixed-asset issue (issue 26 point 2): one month's depreciation of 10,000
//! cards, drafted and posted as one voucher with a row per card, in one transaction (goal:
//! under 1 s). The cards are made by a seeded generator: originals from 1,000.00 to
//! 2,000,000.00, lives of 3 to 50 years, residual rates 0–10 %, three cost accounts, in service
//! during 2024 with their depreciation to December as the opening figure; the book opens in
//! January 2025. January is the first run (no rows yet);
//! February is run on top of January's 10,000 rows.
//!
//!     cargo bench --bench assets -- [--cards 10000] [--pg postgres://…]

use std::time::Instant;

use chrono::{Days, NaiveDate};
use clap::Parser;
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::assets::store::AssetsStore;
use mingzhang::assets::{months_through, Assets, CardInput, Method, Terms};
use mingzhang::domain::money::Fen;
use mingzhang::domain::period::Period;
use mingzhang::ledger::Ledger;
use mingzhang::store::AnyStore;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    cards: usize,
    #[arg(long)]
    pg: Option<String>,
    #[arg(long, default_value_t = 26)]
    seed: u64,
    #[arg(long, hide = true)]
    bench: bool,
}

const ACCOUNTANT: &str = "会计";

async fn run<S: AssetsStore + mingzhang::access::store::AccessStore>(store: S, args: &Args) -> mingzhang::Result<()> {
    let ledger = Ledger::new(store.clone());
    let new = NewUser {
        username: ACCOUNTANT,
        display_name: ACCOUNTANT,
        roles: &[Role::Accountant],
        communities: &[],
        street: "",
        password: None,
    };
    Access::new(store.clone()).add_user(&new).await?;
    let c = ledger.create_community("折旧基准社区").await?;
    let book = ledger.create_book(c.id, "company", "基准物业公司", "small_enterprise", Period::new(2025, 1).expect("month")).await?;
    let assets = Assets::new(&ledger);
    let mut rng = SmallRng::seed_from_u64(args.seed);
    let first_day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("day");
    let december = Period::new(2024, 12).expect("month");
    let t = Instant::now();
    for i in 0..args.cards {
        let code = format!("ZC{i:05}");
        let in_service_on = first_day.checked_add_days(Days::new(rng.gen_range(0..366))).expect("day");
        let (original, life_months, rate) =
            (Fen(rng.gen_range(100_000..200_000_000)), rng.gen_range(36..=600), Decimal::from(rng.gen_range(0..=10)));
        // What the books before depreciated it by, to the end of 2024 (it must be stated).
        let before = Terms::parse(original, life_months, rate)?.planned_through(months_through(in_service_on, december));
        let card = CardInput {
            code: &code,
            name: "基准资产",
            category: ["房屋及建筑物", "机器设备", "电子设备"][i % 3],
            in_service_on,
            original,
            life_months,
            residual_rate_percent: rate,
            method: Method::StraightLine,
            expense_account: Some(["560299", "540104", "540101"][i % 3]),
            program: None,
            funded: None,
            opening_accumulated: (before > 0).then_some(Fen(before)),
        };
        assets.add(&book, &card, ACCOUNTANT).await?;
    }
    println!("engine: {}; {} cards added one by one: {:.2} s", ledger.store.engine(), args.cards, t.elapsed().as_secs_f64());
    for month in [1, 2] {
        let period = Period::new(2025, month).expect("month");
        let t = Instant::now();
        let run = assets.depreciate(&book, period, ACCOUNTANT).await?;
        println!(
            "depreciation of {period}: {} cards, {} in voucher {}: {:.3} s (goal < 1 s)",
            run.cards,
            run.depreciation,
            run.voucher.unwrap_or_default(),
            t.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> mingzhang::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = match &args.pg {
        Some(url) => url.clone(),
        None => dir.path().join("assets.db").to_string_lossy().into_owned(),
    };
    let store = AnyStore::create(&url).await?;
    store.pin_writer_here();
    run(store, &args).await
}
