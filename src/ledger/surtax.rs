//! 计提附加税费: the month-end voucher that accrues 城市维护建设税, 教育费附加 and 地方教育附加
//! from the month's VAT, on the small-enterprise chart's accounts by tax (税金及附加 and
//! 应交税费 sub-accounts).
//!
//! The base is the VAT the month made payable, net: for a small-scale taxpayer the month's
//! credits to 应交税费—应交增值税, where billing books 销售额 × 征收率 and a waiver takes its part
//! back in red ink on the same side (ledger::voucher::red_ink_allowed); the tax's payment (a
//! debit, in the next month) is not a base. Each surtax is rounded half up to the fen on its
//! own, as the tax return (附加税费申报表) computes it line by line.

use rust_decimal::Decimal;

use crate::domain::ids::VoucherId;
use crate::domain::money::{round_half_up_to_fen, Fen};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::AccountCode;
use crate::ledger::store::{LedgerStore, LedgerTx};
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput};
use crate::ledger::{Book, Ledger};

/// 应交税费—应交增值税 of the small-enterprise chart: the base of a small-scale taxpayer.
pub const VAT_PAYABLE: &str = "222101";
/// 应交增值税（销项税额）: present once the book is set to a general taxpayer, whose base is
/// reckoned from the 专栏.
const GENERAL_OUTPUT_TAX: &str = "22210106";

/// How the surtaxes are reckoned: the 城建税 rate by where the company is (7 % in a city
/// district, 5 % in a county town or 镇, 1 % elsewhere, 城市维护建设税法 第四条), and whether the
/// 50 % reduction for small-scale taxpayers applies (财政部 税务总局公告2023年第12号, to 2027).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurtaxRates {
    pub city_percent: u32,
    pub halved: bool,
}

/// One surtax of the month: its name, the 税金及附加 and 应交税费 accounts, the rate it was
/// reckoned at (before any halving) and the amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surtax {
    pub name: &'static str,
    pub cost_account: &'static str,
    pub payable_account: &'static str,
    pub percent: u32,
    pub amount: Fen,
}

/// The surtaxes on `vat` (pure): 城建税 at the city rate, 教育费附加 3 %, 地方教育附加 2 %,
/// each halved when the reduction applies, each rounded half up to the fen; zero ones left out.
pub fn surtaxes(vat: Fen, rates: SurtaxRates) -> Result<Vec<Surtax>> {
    if ![1, 5, 7].contains(&rates.city_percent) {
        return Err(Error::invalid("城建税税率", format!("{} % 不是法定税率（7、5 或 1）", rates.city_percent)));
    }
    let base = Decimal::new(vat.0, 2);
    let share = if rates.halved { Decimal::new(5, 1) } else { Decimal::ONE };
    Ok([
        ("城市维护建设税", "540301", "222102", rates.city_percent),
        ("教育费附加", "540302", "222103", 3),
        ("地方教育附加", "540303", "222106", 2),
    ]
    .into_iter()
    .map(|(name, cost_account, payable_account, percent)| {
        let amount = round_half_up_to_fen(base * Decimal::from(percent) / Decimal::ONE_HUNDRED * share);
        Surtax { name, cost_account, payable_account, percent, amount }
    })
    .filter(|t| t.amount.0 > 0)
    .collect())
}

impl<S: LedgerStore> Ledger<S> {
    /// Drafts the month's 计提附加税费 voucher, dated the month's last day, for review and
    /// posting like any other; None when the month made no VAT payable.
    pub async fn draft_surtax_accrual(&self, book: &Book, month: Period, rates: SurtaxRates, maker: &str) -> Result<Option<VoucherId>> {
        if book.account_id(VAT_PAYABLE).is_none() {
            return Err(Error::invalid("附加税费", format!("账套没有科目 {VAT_PAYABLE} 应交增值税（须用小企业会计准则科目模板）")));
        }
        let vat: i64 = {
            let mut tx = self.store.read().await?;
            let balances = tx.balances(book.key()).await?;
            let of_month = |code: &str| {
                let id = book.account_id(code);
                balances.iter().filter(move |b| Some(b.account_id) == id && b.period == month)
            };
            if book.account_id(GENERAL_OUTPUT_TAX).is_some() {
                // 一般纳税人 (财会〔2016〕22号 专栏): 销项税额 + 进项税额转出 − 进项税额 − 销项税额抵减
                // − 减免税款, each net of the month (a waiver takes back 销项税额 in red ink); a
                // credit left over (留抵) is not carried here.
                let net: i64 = ["22210106", "22210107", "22210101", "22210102", "22210105"]
                    .iter()
                    .flat_map(|code| of_month(code))
                    .map(|b| b.credit_fen - b.debit_fen)
                    .sum();
                net.max(0)
            } else {
                of_month(VAT_PAYABLE).map(|b| b.credit_fen).sum::<i64>().max(0)
            }
        };
        let taxes = surtaxes(Fen(vat), rates)?;
        if taxes.is_empty() {
            return Ok(None);
        }
        for code in taxes.iter().flat_map(|t| [t.cost_account, t.payable_account]) {
            if !AccountCode::parse(code).is_some_and(|c| book.chart.get(&c).is_some_and(|a| a.is_leaf)) {
                return Err(Error::invalid("附加税费", format!("账套没有末级科目 {code}（须用本版小企业会计准则科目模板）")));
            }
        }
        let summary = |t: &Surtax| format!("计提{month}{}（增值税 {} × {}）", t.name, Fen(vat), rate_text(t, rates));
        let mut lines: Vec<LineInput> =
            taxes.iter().map(|t| LineInput::new(summary(t), t.cost_account, t.amount, Fen::ZERO, Dimensions::default())).collect();
        lines.extend(taxes.iter().map(|t| LineInput::new(summary(t), t.payable_account, Fen::ZERO, t.amount, Dimensions::default())));
        let input = VoucherInput { date: month.last_day(), attachments: 1, lines };
        self.draft(book, maker, &input).await.map(Some)
    }
}

fn rate_text(t: &Surtax, rates: SurtaxRates) -> String {
    if rates.halved {
        format!("{}% 减半", t.percent)
    } else {
        format!("{}%", t.percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(vat_fen: i64, city_percent: u32, halved: bool) -> Vec<(&'static str, i64)> {
        surtaxes(Fen(vat_fen), SurtaxRates { city_percent, halved }).unwrap().iter().map(|t| (t.name, t.amount.0)).collect()
    }

    #[test]
    fn surtaxes_by_hand() {
        // VAT 12,450.00: 871.50 + 373.50 + 249.00.
        assert_eq!(amounts(1_245_000, 7, false), vec![("城市维护建设税", 87_150), ("教育费附加", 37_350), ("地方教育附加", 24_900)]);
        // VAT 3,333.33 halved: 7 % → 233.33331 / 2 = 116.67; 3 % → 99.9999 / 2 = 50.00; 2 % → 33.33.
        assert_eq!(amounts(333_333, 7, true), vec![("城市维护建设税", 11_667), ("教育费附加", 5_000), ("地方教育附加", 3_333)]);
        // 0.05 at 1 %: 0.0005 rounds to 0.00 and is left out; 3 % gives 0.0015 → 0.00 too.
        assert!(amounts(5, 1, false).is_empty());
        assert!(surtaxes(Fen(100), SurtaxRates { city_percent: 6, halved: false }).is_err());
    }
}
