//! 增值税 on property fees. Fee standards are tax-inclusive (价税合计), as they are published,
//! so each bill is split into 不含税收入 and 销项税额 when it is billed:
//!
//! ```text
//! tax = gross × rate / (100 + rate), rounded half up to the fen;  net = gross − tax
//! ```
//!
//! per bill, so that what the billing voucher books is the sum of what the bills carry, and a
//! bill waived or cancelled takes back exactly its own tax. A partial waiver takes back the
//! share of the bill's tax that the waived part makes of the bill, reckoned on the running
//! total, so that waivers adding up to the whole bill take back the whole tax.
//!
//! The obligation for 物业服务 arises with the service (财税〔2016〕36号 附件1 第四十五条: a
//! prepayment is taxed when received only for 建筑服务 and 租赁服务), so payments, which settle
//! the tax-inclusive receivable or wait as a prepayment, carry no VAT of their own.
//!
//! A 小规模纳税人 books the tax to 应交税费—应交增值税 (222101, no 专栏); a 一般纳税人 to
//! 应交税费—应交增值税（销项税额） (22210106), under the 财会〔2016〕22号 layout that setting
//! the book to 一般纳税人 adds to its chart.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::domain::ids::FeeItemId;
use crate::domain::money::{round_half_up_to_fen, Fen};
use crate::error::{Error, Result};
use crate::fees::store::{FeesStore, FeesTx};
use crate::fees::Fees;
use crate::ledger::store::LedgerTx;
use crate::ledger::{Book, Vat, VatScheme};
use crate::store::Tx;

/// 应交税费—应交增值税: a small-scale taxpayer's output tax, and the parent of a general one's 专栏.
pub const VAT_PAYABLE: &str = "222101";
/// 应交税费—应交增值税（销项税额）.
pub const OUTPUT_TAX: &str = "22210106";

/// The 财会〔2016〕22号 layout for a general taxpayer: 应交增值税's 专栏 as its sub-accounts, and
/// the other VAT accounts beside it under 应交税费 (those for exports left out).
pub const GENERAL_TAXPAYER_ACCOUNTS: [(&str, &str); 14] = [
    ("22210101", "进项税额"),
    ("22210102", "销项税额抵减"),
    ("22210103", "已交税金"),
    ("22210104", "转出未交增值税"),
    ("22210105", "减免税款"),
    ("22210106", "销项税额"),
    ("22210107", "进项税额转出"),
    ("22210108", "转出多交增值税"),
    ("222109", "未交增值税"),
    ("222110", "预交增值税"),
    ("222111", "待抵扣进项税额"),
    ("222112", "待认证进项税额"),
    ("222113", "待转销项税额"),
    ("222114", "简易计税"),
];

/// The output tax in tax-inclusive `gross` at `rate_percent` (pure).
pub fn output_tax(gross: Fen, rate_percent: Decimal) -> Fen {
    if rate_percent.is_zero() {
        return Fen::ZERO;
    }
    round_half_up_to_fen(Decimal::new(gross.0, 2) * rate_percent / (Decimal::ONE_HUNDRED + rate_percent))
}

/// The tax a waiver of `part` takes back from a bill of `bill` carrying `bill_tax`, after
/// earlier waivers of `before` that took back `before_tax` (pure).
pub fn tax_of_part(bill: Fen, bill_tax: Fen, before: Fen, before_tax: Fen, part: Fen) -> Fen {
    if bill.0 <= 0 || bill_tax.0 == 0 {
        return Fen::ZERO;
    }
    let share = |fen: i64| Decimal::new(bill_tax.0, 2) * Decimal::from(fen) / Decimal::from(bill.0);
    Fen(round_half_up_to_fen(share(before.0 + part.0)).0 - before_tax.0)
}

/// The book's VAT, if it bills any: the rate and the account the output tax goes to.
pub(crate) fn book_vat(book: &Book) -> Result<Option<(Decimal, &'static str)>> {
    let vat = vat_of(book)?;
    let account = match vat.scheme {
        VatScheme::None => return Ok(None),
        VatScheme::Small => VAT_PAYABLE,
        VatScheme::General => OUTPUT_TAX,
    };
    if vat.rate_percent.is_zero() {
        return Ok(None);
    }
    if book.account_id(account).is_none() {
        return Err(Error::invalid("增值税", format!("账套 {} 缺少科目 {account}，请重新设置纳税人类型", book.row.code)));
    }
    Ok(Some((vat.rate_percent, account)))
}

/// Where a bill's output tax was booked, for what takes it back: 销项税额 once the book has the
/// general taxpayer's accounts, else 应交增值税 (a small-scale taxpayer's leaf).
pub(crate) fn output_tax_account(book: &Book) -> &'static str {
    if book.account_id(OUTPUT_TAX).is_some() {
        OUTPUT_TAX
    } else {
        VAT_PAYABLE
    }
}

pub fn vat_of(book: &Book) -> Result<Vat> {
    let rate_percent = Decimal::from_str(&book.row.vat_rate)
        .map_err(|_| Error::invalid("增值税税率", format!("账套中的税率“{}”无法解读", book.row.vat_rate)))?;
    Ok(Vat { scheme: book.row.vat_scheme, rate_percent })
}

/// The rates each scheme allows: 征收率 3 % (5 % for 不动产租赁; 1 % while the reduction of
/// 财政部 税务总局公告2023年第19号 lasts), and 一般纳税人 6 % (现代服务—物业管理), 9 %
/// (不动产租赁, 水费), 13 % (电费 resold).
fn allowed_rates(scheme: VatScheme) -> &'static [i64] {
    match scheme {
        VatScheme::None => &[0],
        VatScheme::Small => &[1, 3, 5],
        VatScheme::General => &[6, 9, 13],
    }
}

/// `rate` as a percentage, if `scheme` allows it.
pub fn allowed_rate(scheme: VatScheme, rate: &str) -> Result<Decimal> {
    let rate = rate.trim();
    let parsed =
        crate::domain::number::parse_decimal(rate).map_err(|e| Error::invalid("--vat-rate", format!("“{rate}”须为百分数，如 6（{e}）")))?;
    if !allowed_rates(scheme).iter().any(|r| Decimal::from(*r) == parsed) {
        let allowed: Vec<String> = allowed_rates(scheme).iter().map(|r| format!("{r}%")).collect();
        return Err(Error::invalid("--vat-rate", format!("{}的税率须为 {}", scheme.label(), allowed.join("、"))));
    }
    Ok(parsed)
}

/// Each fee item's rate: its own where set, else the book's `rate` (pure).
pub(crate) fn item_rates(items: &[crate::fees::rows::FeeItemRow], rate: Decimal) -> Result<std::collections::HashMap<FeeItemId, Decimal>> {
    items
        .iter()
        .map(|f| {
            let own = f.vat_rate.as_deref().map(Decimal::from_str).transpose();
            let own = own.map_err(|_| Error::invalid("增值税税率", format!("收费项目 {} 的税率无法解读", f.code)))?;
            Ok((f.id, own.unwrap_or(rate)))
        })
        .collect()
}

impl<S: FeesStore> Fees<S> {
    /// The book as stored now (after a setting changed).
    pub async fn book(&self, book: &Book) -> Result<Book> {
        self.ledger.book(book.row.community_id, &book.row.code).await
    }

    /// Sets fee item `code`'s own VAT rate, one the book's scheme allows (a general taxpayer's
    /// 停车费 at 9 % beside 物业服务费 at 6 %); its later bills are split at it.
    pub async fn set_item_vat_rate(&self, book: &Book, code: &str, rate: &str) -> Result<()> {
        let scheme = book.row.vat_scheme;
        let parsed = allowed_rate(scheme, rate)?;
        let mut tx = self.store().begin().await?;
        let item = crate::fees::fee_item_by_code(&mut tx, book, code).await?;
        tx.set_fee_item_vat_rate(book.key(), item.id, &parsed.normalize().to_string()).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::FeeItem]).await?;
        tx.commit().await
    }

    /// Sets the book's VAT. For a general taxpayer, adds the 财会〔2016〕22号 accounts it lacks
    /// (which 用友 allows only while 应交增值税 has no postings). Bills billed before keep
    /// the tax they were billed with.
    pub async fn set_vat(&self, book: &Book, scheme: VatScheme, rate: &str) -> Result<()> {
        let parsed = allowed_rate(scheme, rate)?;
        if scheme == VatScheme::Small && book.chart.values().any(|a| a.code.as_str() == VAT_PAYABLE && !a.is_leaf) {
            return Err(Error::invalid("--vat", "应交增值税已按一般纳税人设了专栏，不能改回小规模纳税人"));
        }
        if scheme == VatScheme::General {
            for (code, name) in GENERAL_TAXPAYER_ACCOUNTS {
                let now = self.ledger.book(book.row.community_id, &book.row.code).await?;
                if now.account_id(code).is_none() {
                    self.ledger.add_account(&now, code, name).await?;
                }
            }
        }
        let mut tx = self.store().begin().await?;
        tx.set_vat(book.key(), scheme, &parsed.normalize().to_string()).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_is_split_out_of_the_gross_half_up_per_bill() {
        // 135.00 at 6 %: 135 × 6 / 106 = 7.6415… → 7.64; at 1 %: 1.3366… → 1.34.
        assert_eq!(output_tax(Fen(13_500), Decimal::from(6)), Fen(764));
        assert_eq!(output_tax(Fen(13_500), Decimal::from(1)), Fen(134));
        // 0.53 at 6 %: 0.03 exactly would be 0.0300…; 0.53 × 6 / 106 = 0.03 → 0.03.
        assert_eq!(output_tax(Fen(53), Decimal::from(6)), Fen(3));
        // 120.00 at 9 %: 9.9082… → 9.91.
        assert_eq!(output_tax(Fen(12_000), Decimal::from(9)), Fen(991));
        assert_eq!(output_tax(Fen(12_000), Decimal::ZERO), Fen::ZERO);
    }

    #[test]
    fn waivers_that_add_up_to_the_bill_take_back_its_whole_tax() {
        // A 100.00 bill carrying 5.66: waived 33.33, 33.33, 33.34.
        let (bill, tax) = (Fen(10_000), Fen(566));
        let first = tax_of_part(bill, tax, Fen(0), Fen(0), Fen(3_333));
        let second = tax_of_part(bill, tax, Fen(3_333), first, Fen(3_333));
        let third = tax_of_part(bill, tax, Fen(6_666), Fen(first.0 + second.0), Fen(3_334));
        assert_eq!((first, second, third), (Fen(189), Fen(188), Fen(189)));
        assert_eq!(first.0 + second.0 + third.0, 566);
    }
}
