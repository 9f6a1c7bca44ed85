//! Vouchers (记账凭证): what an accountant enters, the rules a voucher must satisfy before it
//! may be stored, and the canonical form that the hash chain seals (invariant 4).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::domain::ids::{BookId, HouseholdId, VoucherId};
use crate::domain::limits::{MAX_AMOUNT_FEN, MAX_ATTACHMENTS, MAX_LINES_PER_VOUCHER, MAX_SUMMARY_CHARS};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    Normal,
    /// 红字冲销: the same lines as the voucher it reverses, with negative amounts.
    Reversal,
    /// 损益结转 at year end.
    CarryForward,
}

impl VoucherKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherKind::Normal => "normal",
            VoucherKind::Reversal => "reversal",
            VoucherKind::CarryForward => "carry_forward",
        }
    }

    pub fn parse(text: &str) -> Option<VoucherKind> {
        match text {
            "normal" => Some(VoucherKind::Normal),
            "reversal" => Some(VoucherKind::Reversal),
            "carry_forward" => Some(VoucherKind::CarryForward),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    Draft,
    Reviewed,
    Posted,
}

impl VoucherStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherStatus::Draft => "draft",
            VoucherStatus::Reviewed => "reviewed",
            VoucherStatus::Posted => "posted",
        }
    }

    pub fn parse(text: &str) -> Option<VoucherStatus> {
        match text {
            "draft" => Some(VoucherStatus::Draft),
            "reviewed" => Some(VoucherStatus::Reviewed),
            "posted" => Some(VoucherStatus::Posted),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VoucherStatus::Draft => "制单",
            VoucherStatus::Reviewed => "已审核",
            VoucherStatus::Posted => "已记账",
        }
    }
}

/// A period is open for posting until it is closed (结账); a closed period never reopens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    Open,
    Closed,
}

impl PeriodStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodStatus::Open => "open",
            PeriodStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<PeriodStatus> {
        match text {
            "open" => Some(PeriodStatus::Open),
            "closed" => Some(PeriodStatus::Closed),
            _ => None,
        }
    }
}

/// Optional analysis dimensions of a line (辅助核算). Ids refer to the subledgers that later
/// capabilities add (households, fee items, subsidy programs, suppliers).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dimensions {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub household_id: Option<HouseholdId>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fee_item_id: Option<crate::domain::ids::FeeItemId>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subsidy_program_id: Option<crate::domain::ids::ProgramId>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service_category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub supplier_id: Option<crate::domain::ids::SupplierId>,
    /// 现金流量项目: the line of the 现金流量表 a cash line belongs to (report::cash_flow).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cash_flow_item: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineInput {
    pub summary: String,
    pub account: String,
    #[serde(default)]
    pub debit: Fen,
    #[serde(default)]
    pub credit: Fen,
    #[serde(default, flatten)]
    pub dimensions: Dimensions,
}

impl LineInput {
    /// A line as the wings build them: one of `debit` and `credit` is zero.
    pub fn new(summary: impl Into<String>, account: &str, debit: Fen, credit: Fen, dimensions: Dimensions) -> LineInput {
        LineInput { summary: summary.into(), account: account.to_string(), debit, credit, dimensions }
    }
}

/// A voucher as entered (制单), before the ledger gives it a number.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VoucherInput {
    pub date: NaiveDate,
    #[serde(default)]
    pub attachments: u32,
    pub lines: Vec<LineInput>,
}

impl VoucherInput {
    pub fn period(&self) -> Period {
        Period::of_date(self.date)
    }

    pub fn debit_total(&self) -> Fen {
        self.lines.iter().map(|l| l.debit).sum()
    }

    pub fn credit_total(&self) -> Fen {
        self.lines.iter().map(|l| l.credit).sum()
    }

    /// The voucher with each line's account as its code, where a line names it by name or
    /// pinyin initials (科目助记); a code is kept as typed for [`VoucherInput::check`] to judge.
    pub fn with_account_codes(&self, chart: &BTreeMap<AccountCode, Account>) -> Result<VoucherInput> {
        let mut input = self.clone();
        for (index, line) in input.lines.iter_mut().enumerate() {
            if AccountCode::parse(&line.account).is_none() {
                let account =
                    crate::ledger::lookup::find(chart, &line.account).map_err(|reason| Error::BadLine { line: index + 1, reason })?;
                line.account = account.code.to_string();
            }
        }
        Ok(input)
    }

    /// Checks every rule a voucher must satisfy whatever its state: at least two lines, each
    /// to a leaf account with one non-zero side, amounts positive (negative only on a red-ink
    /// reversal), and debits equal to credits (有借必有贷，借贷必相等).
    pub fn check(&self, kind: VoucherKind, chart: &BTreeMap<AccountCode, Account>) -> Result<()> {
        if self.lines.len() < 2 {
            return Err(Error::TooFewLines { count: self.lines.len() });
        }
        if self.lines.len() > MAX_LINES_PER_VOUCHER {
            return Err(Error::invalid("分录", format!("一张凭证最多 {MAX_LINES_PER_VOUCHER} 条分录，现有 {} 条", self.lines.len())));
        }
        if self.attachments > MAX_ATTACHMENTS {
            return Err(Error::invalid("附单据数", format!("不能超过 {MAX_ATTACHMENTS}")));
        }
        let (mut debit, mut credit) = (0i64, 0i64);
        for (index, line) in self.lines.iter().enumerate() {
            let n = index + 1;
            let summary_chars = line.summary.trim().chars().count();
            if summary_chars == 0 {
                return Err(Error::BadLine { line: n, reason: "摘要不能为空".into() });
            }
            if summary_chars > MAX_SUMMARY_CHARS {
                return Err(Error::BadLine { line: n, reason: format!("摘要最多 {MAX_SUMMARY_CHARS} 个字") });
            }
            if let Some(c) = line.summary.chars().find(|c| c.is_control()) {
                return Err(Error::BadLine { line: n, reason: format!("摘要含控制字符（U+{:04X}）", c as u32) });
            }
            let account = AccountCode::parse(&line.account)
                .and_then(|code| chart.get(&code))
                .ok_or_else(|| Error::UnknownAccount { line: n, code: line.account.clone() })?;
            if !account.is_leaf {
                return Err(Error::NonLeafAccount { line: n, code: line.account.clone(), name: account.name.clone() });
            }
            let amount = match (line.debit.is_zero(), line.credit.is_zero()) {
                (false, true) => line.debit,
                (true, false) => line.credit,
                (true, true) => return Err(Error::BadLine { line: n, reason: "借方和贷方金额不能都为零".into() }),
                (false, false) => {
                    return Err(Error::BadLine { line: n, reason: "一条分录只能有借方或贷方金额之一".into() })
                }
            };
            match kind {
                _ if red_ink_allowed(&line.account, !line.credit.is_zero()) => {}
                VoucherKind::Reversal if amount.0 > 0 => {
                    return Err(Error::BadLine { line: n, reason: "红字冲销凭证的金额须为负数".into() });
                }
                VoucherKind::Normal | VoucherKind::CarryForward if amount.0 < 0 => {
                    return Err(Error::BadLine { line: n, reason: "金额须为正数；更正已记账凭证请用红字冲销".into() });
                }
                _ => {}
            }
            if !amount.within_limit() {
                return Err(Error::BadLine { line: n, reason: format!("金额 {amount} 超出单笔上限 {}", Fen(MAX_AMOUNT_FEN)) });
            }
            let overflow = || Error::invalid("金额", "合计超出范围");
            debit = debit.checked_add(line.debit.0).ok_or_else(overflow)?;
            credit = credit.checked_add(line.credit.0).ok_or_else(overflow)?;
        }
        if debit != credit {
            return Err(Error::Unbalanced { debit: Fen(debit), credit: Fen(credit) });
        }
        Ok(())
    }

    /// The red-ink reversal of this voucher: the same lines, amounts negated.
    pub fn reversed(&self, date: NaiveDate, label: &str) -> VoucherInput {
        let lines = self
            .lines
            .iter()
            .map(|l| LineInput {
                summary: truncate_chars(&format!("冲销{label} {}", l.summary), MAX_SUMMARY_CHARS),
                debit: -l.debit,
                credit: -l.credit,
                ..l.clone()
            })
            .collect();
        VoucherInput { date, attachments: 0, lines }
    }
}

fn truncate_chars(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// "记-0001": the voucher word and its number in the month.
pub fn voucher_label(number: i64) -> String {
    format!("记-{number:04}")
}

/// The header fields the hash chain seals for one posted voucher.
#[derive(Clone, Copy, serde::Serialize)]
pub struct SealHeader<'a> {
    pub book_id: BookId,
    pub chain_seq: i64,
    pub period: i64,
    pub number: i64,
    pub date: NaiveDate,
    pub kind: &'a str,
    pub attachments: i64,
    pub maker: &'a str,
    pub reviewer: &'a str,
    pub poster: &'a str,
    pub reverses_id: Option<VoucherId>,
    /// The digest of the subledger rows written with the voucher (`fees::seal`): "" for none.
    /// Absent from the vouchers posted before migration 0018, so their hashes still stand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subledger: Option<&'a str>,
}

/// Whether a line may carry either sign whatever its voucher's kind: a credit to 应交税费—
/// 应交增值税 (222101, and a general taxpayer's 专栏 under it such as 销项税额 22210106), which a
/// waiver or a sales return reduces in red ink on the same side, as the VAT return reads it
/// (财会〔2016〕22号: 销项税额 is reduced by 红字, not by a debit that the return would count as
/// tax paid).
pub fn red_ink_allowed(account: &str, credit_side: bool) -> bool {
    credit_side && account.starts_with("222101")
}

/// What the hash chain seals for one posted voucher. Field order is fixed by these structs, so
/// the JSON is canonical; changing it is a breaking change to every existing chain.
#[derive(serde::Serialize)]
pub struct SealedVoucher<'a> {
    pub header: SealHeader<'a>,
    pub lines: Vec<SealedLine<'a>>,
}

#[derive(serde::Serialize)]
pub struct SealedLine<'a> {
    pub line_no: i64,
    pub account: &'a str,
    pub debit_fen: i64,
    pub credit_fen: i64,
    pub summary: &'a str,
    pub dimensions: SealedDimensions<'a>,
}

/// The dimensions of a sealed line, borrowed from the stored row; serialises exactly like
/// `Dimensions`.
#[derive(Clone, Copy, Default, serde::Serialize)]
pub struct SealedDimensions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household_id: Option<HouseholdId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_item_id: Option<crate::domain::ids::FeeItemId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsidy_program_id: Option<crate::domain::ids::ProgramId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_id: Option<crate::domain::ids::SupplierId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_flow_item: Option<i64>,
}

impl SealedVoucher<'_> {
    /// hash = SHA-256(previous hash, newline, canonical JSON of this voucher), hex encoded.
    pub fn hash(&self, prev_hash: &str) -> String {
        // verify hashes a million of these: the JSON is written into a buffer the thread
        // keeps and hashed in one go (serde_json writes a voucher in dozens of small pieces).
        thread_local! {
            static JSON: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        JSON.with_borrow_mut(|json| {
            json.clear();
            json.extend_from_slice(prev_hash.as_bytes());
            json.push(b'\n');
            serde_json::to_writer(&mut *json, self).expect("a sealed voucher always serializes");
            hex_digest(Sha256::new_with_prefix(&json[..]))
        })
    }
}

/// Lower-case hex of the digest, without the per-character iterator of `hex::encode`.
fn hex_digest(hasher: Sha256) -> String {
    let mut out = [0u8; 64];
    hex::encode_to_slice(hasher.finalize(), &mut out).expect("64 hex digits for 32 bytes");
    String::from_utf8_lossy(&out).into_owned()
}

/// The first link of a book's chain: it commits to the book and its opening balances, so that
/// changing an opening balance after the fact breaks the chain like any posted line.
pub fn genesis_hash(book_id: BookId, opening: &[(String, i64)]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("mingzhang genesis v1 book={book_id}\n"));
    for (code, balance_fen) in opening {
        hasher.update(format!("{code}:{balance_fen}\n"));
    }
    hex_digest(hasher)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::account::{build_tree, AccountClass, Side};

    fn chart() -> BTreeMap<AccountCode, Account> {
        let row = |c: &str, n: &str, s| (AccountCode::parse(c).unwrap(), n.to_string(), AccountClass::Asset, s);
        build_tree(vec![
            row("1001", "库存现金", Side::Debit),
            row("1002", "银行存款", Side::Debit),
            row("100201", "基本户", Side::Debit),
            row("5001", "收入", Side::Credit),
        ])
        .unwrap()
    }

    fn line(account: &str, debit: i64, credit: i64) -> LineInput {
        LineInput {
            summary: "收物业费".into(),
            account: account.into(),
            debit: Fen(debit),
            credit: Fen(credit),
            dimensions: Dimensions::default(),
        }
    }

    fn voucher(lines: Vec<LineInput>) -> VoucherInput {
        VoucherInput { date: NaiveDate::from_ymd_opt(2025, 1, 5).unwrap(), attachments: 1, lines }
    }

    #[test]
    fn accepts_a_balanced_voucher_and_refuses_each_broken_rule() {
        let c = chart();
        let ok = voucher(vec![line("1001", 100, 0), line("5001", 0, 100)]);
        assert!(ok.check(VoucherKind::Normal, &c).is_ok());
        let cases = [
            (voucher(vec![line("1001", 100, 0), line("5001", 0, 90)]), "voucher_unbalanced"),
            (voucher(vec![line("1001", 100, 0)]), "voucher_too_few_lines"),
            (voucher(vec![line("9999", 100, 0), line("5001", 0, 100)]), "account_unknown"),
            (voucher(vec![line("1002", 100, 0), line("5001", 0, 100)]), "account_not_leaf"),
            (voucher(vec![line("1001", 0, 0), line("5001", 0, 0)]), "voucher_line_invalid"),
            (voucher(vec![line("1001", -100, 0), line("5001", 0, -100)]), "voucher_line_invalid"),
            (voucher(vec![line("1001", 100, 100), line("5001", 0, 0)]), "voucher_line_invalid"),
        ];
        for (v, code) in cases {
            assert_eq!(v.check(VoucherKind::Normal, &c).unwrap_err().code(), code, "{v:?}");
        }
        let red = ok.reversed(ok.date, "记-0001");
        assert!(red.check(VoucherKind::Reversal, &c).is_ok());
        assert_eq!(ok.check(VoucherKind::Reversal, &c).unwrap_err().code(), "voucher_line_invalid");
    }

    #[test]
    fn the_hash_depends_on_every_amount_and_the_previous_link() {
        let dims = SealedDimensions::default();
        let header = SealHeader {
            book_id: BookId(1),
            chain_seq: 1,
            period: 202501,
            number: 1,
            date: NaiveDate::from_ymd_opt(2025, 1, 5).unwrap(),
            kind: "normal",
            attachments: 0,
            maker: "a",
            reviewer: "b",
            poster: "b",
            reverses_id: None,
            subledger: None,
        };
        let sealed = |debit_fen| SealedVoucher {
            header,
            lines: vec![SealedLine { line_no: 1, account: "1001", debit_fen, credit_fen: 0, summary: "x", dimensions: dims }],
        };
        assert_eq!(sealed(100).hash("g"), sealed(100).hash("g"));
        assert_ne!(sealed(100).hash("g"), sealed(101).hash("g"));
        assert_ne!(sealed(100).hash("g"), sealed(100).hash("h"));
    }
}
