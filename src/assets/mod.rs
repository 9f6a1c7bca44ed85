//! The fixed-asset wing (固定资产): the register of a book's assets (卡片), their monthly
//! depreciation drafted as one voucher per book and month (借 费用 贷 累计折旧), their disposal
//! through 固定资产清理, and the release of a grant that paid for an asset (与资产相关的政府补助,
//! 小企业会计准则 第六十二条: 递延收益, recognised over the asset's life in step with its
//! depreciation). Assets are the first of the collective's 三资 (资金、资产、资源).
//!
//! This file holds the pure rules (a card's terms, its schedule, the accounts of each chart and
//! the vouchers' lines); `store` the rows and SQL; `service`, `depreciate` and `dispose` the
//! operations, each one transaction.

mod depreciate;
mod dispose;
mod service;
pub mod store;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::limits::MAX_AMOUNT_FEN;
use crate::domain::money::{round_half_up_to_fen, Fen};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::store::LedgerStore;
use crate::ledger::voucher::{Dimensions, LineInput};
use crate::ledger::{Book, Ledger};

pub use depreciate::MonthRun;
pub use dispose::{DisposalInput, Disposed};
pub use service::{CardInput, CardLine};

/// The longest useful life a card may state: 50 years.
pub const MAX_LIFE_MONTHS: i64 = 600;

/// 折旧方法. 年限平均法 only: 工作量法 would need each month's units of work, which nothing
/// records yet (小企业会计准则 第三十条 allows either).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    StraightLine,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        "straight_line"
    }

    pub fn label(self) -> &'static str {
        "年限平均法"
    }

    pub fn parse(text: &str) -> Option<Method> {
        matches!(text.trim(), "straight_line" | "年限平均法").then_some(Method::StraightLine)
    }
}

/// What a card's depreciation follows from: checked once, when the card is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    pub original_fen: i64,
    pub life_months: i64,
    /// 预计净残值率 in hundredths of a percent (5 % = 500).
    pub residual_rate_bp: i64,
    /// original × rate, half up to the fen.
    pub residual_fen: i64,
}

impl Terms {
    /// The terms of a card, or the error naming the field and the rule broken.
    pub fn parse(original: Fen, life_months: i64, residual_rate_percent: Decimal) -> Result<Terms> {
        if original.0 <= 0 || original.0 > MAX_AMOUNT_FEN {
            return Err(Error::invalid("原值", format!("须大于零且不超过 {}，现为 {original}", Fen(MAX_AMOUNT_FEN))));
        }
        if !(1..=MAX_LIFE_MONTHS).contains(&life_months) {
            return Err(Error::invalid("使用年限（月）", format!("须为 1 至 {MAX_LIFE_MONTHS} 个月，现为 {life_months}")));
        }
        let rate_bp = residual_rate_percent * Decimal::ONE_HUNDRED;
        if residual_rate_percent < Decimal::ZERO || residual_rate_percent >= Decimal::ONE_HUNDRED || rate_bp.fract() != Decimal::ZERO {
            return Err(Error::invalid(
                "净残值率",
                format!("须不小于 0% 且小于 100%（至多两位小数），现为 {residual_rate_percent}%：100% 将无可计提的折旧"),
            ));
        }
        let residual_rate_bp = rate_bp.trunc().to_i64().unwrap_or(0);
        let residual_fen = round_half_up_to_fen(original.to_yuan() * Decimal::new(residual_rate_bp, 4)).0;
        let terms = Terms { original_fen: original.0, life_months, residual_rate_bp, residual_fen };
        if terms.depreciable_fen() <= 0 {
            return Err(Error::invalid("原值", format!("{original} 扣除净残值 {} 后无可计提的折旧", Fen(residual_fen))));
        }
        Ok(terms)
    }

    /// 应计折旧额: original − residual, which the whole life depreciates to the fen.
    pub fn depreciable_fen(&self) -> i64 {
        self.original_fen - self.residual_fen
    }

    /// 月折旧额 by 年限平均法: depreciable ÷ life months, half up to the fen.
    pub fn monthly_fen(&self) -> i64 {
        round_half_up_to_fen(Fen(self.depreciable_fen()).to_yuan() / Decimal::from(self.life_months.max(1))).0
    }

    /// What the first `months` months of the life depreciate together: the monthly amount each
    /// month, and in the last month the remainder, so that the life's total is the depreciable
    /// amount exactly (rounding each month must neither leave a fen nor take one too many).
    pub fn planned_through(&self, months: i64) -> i64 {
        if months >= self.life_months {
            return self.depreciable_fen();
        }
        (self.monthly_fen() * months.max(0)).min(self.depreciable_fen())
    }
}

/// The first month a card depreciates: the month after it went into service (小企业会计准则
/// 第三十一条: 当月增加的固定资产，当月不计提折旧，从下月起计提).
pub fn first_month(in_service_on: NaiveDate) -> Period {
    Period::of_date(in_service_on).next()
}

/// How many months of its life a card has depreciated by the end of `period`.
pub fn months_through(in_service_on: NaiveDate, period: Period) -> i64 {
    let first = first_month(in_service_on);
    let months = (i64::from(period.year()) - i64::from(first.year())) * 12 + i64::from(period.month()) - i64::from(first.month()) + 1;
    months.max(0)
}

/// A card's depreciation for `period` (pure): what its schedule calls for to the month's end
/// less what it has already been depreciated by. A month missed is thus caught up, and the
/// total never passes the depreciable amount.
pub fn due_fen(terms: &Terms, in_service_on: NaiveDate, period: Period, accumulated_fen: i64) -> i64 {
    (terms.planned_through(months_through(in_service_on, period)) - accumulated_fen).max(0)
}

/// A card's schedule over its whole life, month by month (for the tests and the card's page).
pub fn schedule(terms: &Terms, in_service_on: NaiveDate) -> Vec<(Period, i64)> {
    let mut period = first_month(in_service_on);
    let mut accumulated = 0;
    let mut out = Vec::new();
    for _ in 0..terms.life_months {
        let fen = due_fen(terms, in_service_on, period, accumulated);
        accumulated += fen;
        out.push((period, fen));
        period = period.next();
    }
    out
}

/// How much of the grant that funded `funded_fen` of a card is income once the card has been
/// depreciated by `accumulated_fen` (第六十二条: in step with the depreciation): funded ×
/// accumulated ÷ depreciable, half up to the fen, and all of it at the end of the life.
pub fn release_target_fen(funded_fen: i64, depreciable_fen: i64, accumulated_fen: i64) -> i64 {
    if depreciable_fen <= 0 || accumulated_fen >= depreciable_fen {
        return funded_fen;
    }
    let share = Decimal::from(funded_fen) * Decimal::from(accumulated_fen.max(0)) / Decimal::from(depreciable_fen);
    round_half_up_to_fen(share / Decimal::ONE_HUNDRED).0
}

/// The accounts a book's assets post to, from its chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accounts {
    pub fixed: &'static str,
    pub accumulated: &'static str,
    pub clearing: &'static str,
    /// Where a disposal's proceeds are received.
    pub bank: &'static str,
    pub gain: &'static str,
    pub loss: &'static str,
    /// The cost account of a card that names none.
    pub default_expense: &'static str,
}

/// 小企业会计准则: 1601 固定资产, 1602 累计折旧, 1606 固定资产清理, 营业外收入—其他 / 营业外支出,
/// 管理费用—其他. 农村集体经济组织会计制度: 151 固定资产, 152 累计折旧, 154 固定资产清理, 504 其他收入,
/// 515 其他支出, 513 管理费用.
pub fn accounts(book: &Book) -> Accounts {
    if book.row.chart == "rural_collective" {
        return Accounts {
            fixed: "151",
            accumulated: "152",
            clearing: "154",
            bank: "10201",
            gain: "504",
            loss: "515",
            default_expense: "513",
        };
    }
    Accounts {
        fixed: "1601",
        accumulated: "1602",
        clearing: "1606",
        bank: "100201",
        gain: if book.account_id("530199").is_some() { "530199" } else { "5301" },
        loss: "5711",
        default_expense: "560299",
    }
}

/// The month's depreciation voucher (pure): 借 each expense account its cards' sum, 贷 累计折旧
/// the total; None when nothing is due.
pub fn depreciation_lines(accounts: &Accounts, period: Period, due: &[(String, i64)]) -> Option<Vec<LineInput>> {
    let mut by_account: BTreeMap<&str, i64> = BTreeMap::new();
    for (account, fen) in due {
        *by_account.entry(account.as_str()).or_default() += fen;
    }
    let total: i64 = by_account.values().sum();
    if total == 0 {
        return None;
    }
    let summary = format!("计提{period}固定资产折旧");
    let mut lines: Vec<LineInput> = by_account
        .iter()
        .map(|(account, fen)| LineInput::new(summary.clone(), account, Fen(*fen), Fen(0), Dimensions::default()))
        .collect();
    lines.push(LineInput::new(summary, accounts.accumulated, Fen(0), Fen(total), Dimensions::default()));
    Some(lines)
}

/// A disposal's voucher (pure), through 固定资产清理 (小企业会计准则 第三十二条): the card's net
/// value into clearing, its proceeds against it, and what is left to 营业外支出 (a loss) or
/// 营业外收入 (a gain), so clearing ends at nothing. Lines of nothing are left out.
pub fn disposal_lines(a: &Accounts, name: &str, original_fen: i64, accumulated_fen: i64, proceeds_fen: i64) -> Vec<LineInput> {
    let net = original_fen - accumulated_fen;
    let text = format!("处置固定资产 {name}");
    let mut lines = Vec::new();
    let mut push = |account: &str, debit: i64, credit: i64| {
        if debit != 0 || credit != 0 {
            lines.push(LineInput::new(text.clone(), account, Fen(debit), Fen(credit), Dimensions::default()));
        }
    };
    push(a.clearing, net, 0);
    push(a.accumulated, accumulated_fen, 0);
    push(a.fixed, 0, original_fen);
    push(a.bank, proceeds_fen, 0);
    push(a.clearing, 0, proceeds_fen);
    let left = net - proceeds_fen;
    if left > 0 {
        push(a.loss, left, 0);
        push(a.clearing, 0, left);
    } else {
        push(a.clearing, -left, 0);
        push(a.gain, 0, -left);
    }
    lines
}

/// The fixed-asset wing's operations over one store.
#[derive(Clone)]
pub struct Assets<S: LedgerStore> {
    ledger: Ledger<S>,
}

impl<S: LedgerStore> Assets<S> {
    pub fn new(ledger: &Ledger<S>) -> Assets<S> {
        Assets { ledger: ledger.clone() }
    }
}

/// `verify`'s check of this wing: each card's purchase, depreciation and disposal against its voucher (`ledger::verify::check_ties`).
pub async fn verify<S: crate::store::Store<Tx: store::AssetsTx>>(
    store: &S,
    community: crate::domain::ids::CommunityId,
    fail: &mut impl FnMut(u8, String),
) -> Result<()> {
    use store::AssetsTx;
    let ties = store.read().await?.asset_ties(community).await?;
    crate::ledger::verify::check_ties(&ties, fail);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn straight_line_starts_the_month_after_service_and_ends_on_the_depreciable_amount() {
        // 1,000.01 at 5 %: residual 50.00 (50.0005 half up), depreciable 950.01 over 7 months.
        let t = Terms::parse(Fen(100_001), 7, Decimal::from(5)).unwrap();
        assert_eq!((t.residual_fen, t.depreciable_fen(), t.monthly_fen()), (5_000, 95_001, 13_572));
        let s = schedule(&t, d(2025, 1, 31));
        assert_eq!(s[0].0, Period::new(2025, 2).unwrap());
        assert_eq!(s.iter().map(|x| x.1).collect::<Vec<_>>(), vec![13_572, 13_572, 13_572, 13_572, 13_572, 13_572, 13_569]);
        assert_eq!(s.iter().map(|x| x.1).sum::<i64>(), 95_001);
        assert_eq!(due_fen(&t, d(2025, 1, 31), Period::new(2025, 1).unwrap(), 0), 0, "not in the month it went into service");
    }

    #[test]
    fn a_month_missed_is_caught_up_and_a_tiny_card_never_overshoots() {
        let t = Terms::parse(Fen(12_000_000), 60, Decimal::from(5)).unwrap();
        assert_eq!(t.monthly_fen(), 190_000);
        assert_eq!(due_fen(&t, d(2025, 1, 15), Period::new(2025, 3).unwrap(), 190_000), 190_000);
        assert_eq!(due_fen(&t, d(2025, 1, 15), Period::new(2025, 4).unwrap(), 190_000), 2 * 190_000);
        // 0.40 over 60 months: 0.01 a month (0.0067 half up) would pass 0.40 by month 41.
        let tiny = Terms::parse(Fen(40), 60, Decimal::ZERO).unwrap();
        let s = schedule(&tiny, d(2025, 1, 1));
        assert_eq!(s.iter().map(|x| x.1).sum::<i64>(), 40);
        assert!(s.iter().all(|x| x.1 >= 0));
    }

    #[test]
    fn bad_terms_name_their_field() {
        let life = Terms::parse(Fen(100), 0, Decimal::ZERO).unwrap_err().to_string();
        assert!(life.contains("使用年限") && life.contains("现为 0"), "{life}");
        let rate = Terms::parse(Fen(100), 12, Decimal::from(100)).unwrap_err().to_string();
        assert!(rate.contains("净残值率") && rate.contains("小于 100%"), "{rate}");
        assert!(Terms::parse(Fen(100), 12, Decimal::new(1234, 3)).is_err(), "three decimals of a percent");
    }

    #[test]
    fn a_grant_is_released_in_step_and_wholly_at_the_end() {
        assert_eq!(release_target_fen(6_000_000, 11_400_000, 190_000), 100_000);
        assert_eq!(release_target_fen(10_000, 300, 1), 33);
        assert_eq!(release_target_fen(10_000, 300, 2), 67);
        assert_eq!(release_target_fen(100, 300, 300), 100);
    }

    #[test]
    fn a_disposal_clears_to_nothing() {
        let a = Accounts {
            fixed: "1601",
            accumulated: "1602",
            clearing: "1606",
            bank: "100201",
            gain: "530199",
            loss: "5711",
            default_expense: "560299",
        };
        for proceeds in [0, 30_000, 100_000] {
            let lines = disposal_lines(&a, "电梯", 120_000, 70_000, proceeds);
            let clearing: i64 = lines.iter().filter(|l| l.account == "1606").map(|l| l.debit.0 - l.credit.0).sum();
            let debit: i64 = lines.iter().map(|l| l.debit.0).sum();
            let credit: i64 = lines.iter().map(|l| l.credit.0).sum();
            assert_eq!((clearing, debit), (0, credit), "proceeds {proceeds}");
        }
    }

    proptest! {
        #[test]
        fn every_life_depreciates_exactly_its_depreciable_amount(
            original in 1i64..10_000_000_000,
            life in 1i64..=600,
            rate_bp in 0i64..10_000,
            day in 1u32..=28,
        ) {
            if let Ok(t) = Terms::parse(Fen(original), life, Decimal::new(rate_bp, 2)) {
                let s = schedule(&t, d(2024, 2, day));
                prop_assert_eq!(s.len() as i64, life);
                prop_assert!(s.iter().all(|x| x.1 >= 0 && x.1 <= t.monthly_fen().max(1) + t.depreciable_fen()));
                prop_assert_eq!(s.iter().map(|x| x.1).sum::<i64>(), t.depreciable_fen());
                prop_assert_eq!(t.residual_fen + t.depreciable_fen(), original);
            }
        }
    }
}
