//! Posting (记账): numbers from each period's counter, links in the book's hash chain, and the
//! maintained balances, for one voucher or a batch, inside the caller's transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::ids::{AccountId, VoucherId};
use crate::domain::limits::MAX_VOUCHERS_PER_BATCH;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::cash_flow::store::CashFlowRow;
use crate::ledger::rows::{BalanceRow, ChainClaim, LineRow, NewVoucher, VoucherRow};
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{
    voucher_label, Dimensions, LineInput, SealHeader, SealedDimensions, SealedLine, SealedVoucher, VoucherInput, VoucherKind, VoucherStatus,
};
use crate::ledger::{check_period_open, check_person, check_user, Book};

/// A voucher that was entered and reviewed outside this call (a billing run, an import, a
/// benchmark) and is posted in a batch.
#[derive(Clone, Debug)]
pub struct ApprovedVoucher {
    pub input: VoucherInput,
    pub kind: VoucherKind,
    pub maker: String,
    pub reviewer: String,
    /// The voucher a red-ink reversal reverses (a receipt's void); None for every other.
    pub reverses_id: Option<VoucherId>,
    /// The digest of the subledger rows written with it (`fees::seal`), sealed in its hash;
    /// "" for a voucher without any.
    pub subledger: String,
}

impl ApprovedVoucher {
    /// A voucher the system makes (制单 系统) from what a wing records, reviewed by `reviewer`,
    /// who posts it: a receipt of a subsidy, an expense, a release, a split, a transfer.
    pub fn generated(date: NaiveDate, lines: Vec<LineInput>, reviewer: &str) -> ApprovedVoucher {
        ApprovedVoucher {
            input: VoucherInput { date, attachments: 1, lines },
            kind: VoucherKind::Normal,
            maker: crate::ledger::SYSTEM_MAKER.into(),
            reviewer: reviewer.into(),
            reverses_id: None,
            subledger: String::new(),
        }
    }
}

/// 借 `debit` 贷 `credit`, `amount` each, both lines with `summary` and `dims`.
pub fn two_lines(summary: &str, debit: &str, credit: &str, amount: Fen, dims: &Dimensions) -> Vec<LineInput> {
    vec![LineInput::new(summary, debit, amount, Fen(0), dims.clone()), LineInput::new(summary, credit, Fen(0), amount, dims.clone())]
}

/// What a posting gave a voucher.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Posted {
    pub voucher_id: VoucherId,
    pub period: String,
    pub number: i64,
    pub label: String,
    pub hash: String,
}

/// Posts vouchers reviewed elsewhere inside the caller's transaction: the path of batch
/// imports, billing runs and waivers. Numbers, chain links and balances are the same as
/// one-by-one posting.
pub async fn post_approved<T: LedgerTx>(tx: &mut T, book: &Book, poster: &str, vouchers: &[ApprovedVoucher]) -> Result<Vec<Posted>> {
    let claim = tx.claim_chain(book.key(), vouchers.len() as i64, 0).await?;
    post_claimed(tx, book, poster, vouchers, claim).await
}

/// Posts vouchers whose chain links were claimed by the caller (`LedgerTx::claim_chain` with
/// their count): a payment claims its receipt number in the same statement, before its
/// voucher's summary can name the receipt.
pub async fn post_claimed<T: LedgerTx>(
    tx: &mut T,
    book: &Book,
    poster: &str,
    vouchers: &[ApprovedVoucher],
    claim: ChainClaim,
) -> Result<Vec<Posted>> {
    let poster = check_person("记账人", poster)?;
    check_batch(book, vouchers)?;
    // A generated voucher carries its 现金流量项目 where its counterparts decide one.
    let stamped = vouchers
        .iter()
        .map(|v| {
            Ok(crate::ledger::cash_flow::stamp(book, &v.input)?.map_or_else(|| v.clone(), |input| ApprovedVoucher { input, ..v.clone() }))
        })
        .collect::<Result<Vec<ApprovedVoucher>>>()?;
    let vouchers = stamped.as_slice();
    let first_numbers = claim_batch_numbers(tx, book, vouchers).await?;
    let sealed = seal_batch(book, poster, vouchers, &claim, first_numbers, Utc::now())?;
    write_sealed(tx, book, sealed).await
}

/// The rules every voucher of a batch must keep before any number is taken.
fn check_batch(book: &Book, vouchers: &[ApprovedVoucher]) -> Result<()> {
    if vouchers.len() > MAX_VOUCHERS_PER_BATCH {
        return Err(Error::invalid("批量记账", format!("一批最多 {MAX_VOUCHERS_PER_BATCH} 张凭证，现有 {}", vouchers.len())));
    }
    for (i, v) in vouchers.iter().enumerate() {
        check_user("制单人", &v.maker)?;
        check_user("审核人", &v.reviewer)?;
        if v.maker == v.reviewer {
            return Err(Error::SelfReview { user: v.reviewer.clone() });
        }
        v.input.check(v.kind, &book.chart).map_err(|e| Error::invalid(format!("第 {} 张凭证", i + 1), e.to_string()))?;
    }
    Ok(())
}

/// Advances each period's counter once by the batch's count in that period; returns the first
/// number the batch takes in each period.
async fn claim_batch_numbers<T: LedgerTx>(tx: &mut T, book: &Book, vouchers: &[ApprovedVoucher]) -> Result<BTreeMap<Period, i64>> {
    // Per period, the count and the first voucher's date, which a refusal names as typed.
    let mut counts: BTreeMap<Period, (i64, NaiveDate)> = BTreeMap::new();
    for v in vouchers {
        counts.entry(v.input.period()).or_insert((0, v.input.date)).0 += 1;
    }
    let mut first_numbers = BTreeMap::new();
    for (period, (count, date)) in counts {
        let last = claim_numbers(tx, book, date, count).await?;
        first_numbers.insert(period, last - count + 1);
    }
    Ok(first_numbers)
}

/// A batch numbered and chained, ready to write: one row, its lines and what posting gave it,
/// per voucher, and the chain's new head.
struct SealedBatch {
    rows: Vec<NewVoucher>,
    lines: Vec<Vec<LineRow>>,
    posted: Vec<Posted>,
    head: String,
}

/// Numbers and chains the batch (pure): each voucher's hash seals its header, its lines and the
/// hash before it.
fn seal_batch(
    book: &Book,
    poster: &str,
    vouchers: &[ApprovedVoucher],
    claim: &ChainClaim,
    mut next_number: BTreeMap<Period, i64>,
    now: DateTime<Utc>,
) -> Result<SealedBatch> {
    let first_seq = claim.chain_len - vouchers.len() as i64 + 1;
    let mut batch = SealedBatch { rows: Vec::new(), lines: Vec::new(), posted: Vec::new(), head: claim.chain_head.clone() };
    for (i, v) in vouchers.iter().enumerate() {
        let period = v.input.period();
        let next = next_number.get_mut(&period).expect("claim_batch_numbers gave every period of the batch a number");
        let number = *next;
        *next += 1;
        let seq = first_seq + i as i64;
        let lines = line_rows(book, VoucherId(0), &v.input);
        let header = SealHeader {
            book_id: book.id(),
            chain_seq: seq,
            period: period.key(),
            number,
            date: v.input.date,
            kind: v.kind.as_str(),
            attachments: i64::from(v.input.attachments),
            maker: &v.maker,
            reviewer: &v.reviewer,
            poster,
            reverses_id: v.reverses_id,
            subledger: Some(&v.subledger),
        };
        let hash = seal_hash(header, &lines, book, &batch.head)?;
        batch.rows.push(NewVoucher {
            community_id: book.row.community_id,
            book_id: book.id(),
            period,
            voucher_date: v.input.date,
            kind: v.kind,
            status: VoucherStatus::Posted,
            number: Some(number),
            attachments: i64::from(v.input.attachments),
            maker: v.maker.clone(),
            reviewer: Some(v.reviewer.clone()),
            poster: Some(poster.to_string()),
            reverses_id: v.reverses_id,
            created_at: now,
            reviewed_at: Some(now),
            posted_at: Some(now),
            chain_seq: Some(seq),
            prev_hash: Some(batch.head.clone()),
            hash: Some(hash.clone()),
            subledger_digest: Some(v.subledger.clone()),
        });
        batch.posted.push(Posted {
            voucher_id: VoucherId(0),
            period: period.to_string(),
            number,
            label: voucher_label(number),
            hash: hash.clone(),
        });
        batch.lines.push(lines);
        batch.head = hash;
    }
    Ok(batch)
}

/// Writes a sealed batch: the vouchers, then their lines under the ids the database gave, the
/// balances they move, and the chain's new head.
async fn write_sealed<T: LedgerTx>(tx: &mut T, book: &Book, batch: SealedBatch) -> Result<Vec<Posted>> {
    let SealedBatch { rows, lines, mut posted, head } = batch;
    let ids = tx.insert_vouchers(&rows).await?;
    let mut deltas: HashMap<(AccountId, Period), (i64, i64)> = HashMap::new();
    let mut cash_flows: HashMap<(i64, i64), i64> = HashMap::new();
    let mut flat = Vec::with_capacity(lines.iter().map(Vec::len).sum());
    for ((id, lines), (row, p)) in ids.iter().zip(lines).zip(rows.iter().zip(posted.iter_mut())) {
        p.voucher_id = *id;
        for r in crate::ledger::cash_flow::posting_rows(book, row.period, &lines)? {
            *cash_flows.entry((r.period, r.item)).or_default() += r.fen;
        }
        for mut l in lines {
            let d = deltas.entry((l.account_id, row.period)).or_default();
            d.0 += l.debit_fen;
            d.1 += l.credit_fen;
            l.voucher_id = *id;
            flat.push(l);
        }
    }
    tx.insert_lines(book.key(), &flat).await?;
    let deltas: Vec<BalanceRow> = deltas
        .into_iter()
        .map(|((account_id, period), (debit_fen, credit_fen))| BalanceRow { account_id, period, debit_fen, credit_fen })
        .collect();
    tx.add_balances(book.key(), &deltas).await?;
    let cash_flows: Vec<CashFlowRow> = cash_flows.into_iter().map(|((period, item), fen)| CashFlowRow { period, item, fen }).collect();
    tx.add_cash_flows(book.key(), &cash_flows).await?;
    crate::ledger::verify::refuse_side_breach(tx, book, &deltas).await?;
    tx.set_chain_head(book.key(), &head).await?;
    Ok(posted)
}

/// Hashes a voucher as the chain seals it, from its stored rows: used when posting and again by
/// `verify`, so both hash exactly the same bytes.
pub fn seal_hash(header: SealHeader<'_>, lines: &[LineRow], book: &Book, prev_hash: &str) -> Result<String> {
    let lines = lines
        .iter()
        .map(|l| {
            Ok(SealedLine {
                line_no: l.line_no,
                account: book.code_of(l.account_id)?,
                debit_fen: l.debit_fen,
                credit_fen: l.credit_fen,
                summary: &l.summary,
                dimensions: SealedDimensions {
                    household_id: l.household_id,
                    fee_item_id: l.fee_item_id,
                    subsidy_program_id: l.subsidy_program_id,
                    service_category: l.service_category.as_deref(),
                    supplier_id: l.supplier_id,
                    cash_flow_item: l.cash_flow_item,
                },
            })
        })
        .collect::<Result<_>>()?;
    Ok(SealedVoucher { header, lines }.hash(prev_hash))
}

pub fn dimensions_of(l: &LineRow) -> Dimensions {
    Dimensions {
        household_id: l.household_id,
        fee_item_id: l.fee_item_id,
        subsidy_program_id: l.subsidy_program_id,
        service_category: l.service_category.clone(),
        supplier_id: l.supplier_id,
        cash_flow_item: l.cash_flow_item,
    }
}

/// Takes numbers from the period's counter, which only an open period gives; when it gives
/// none, says whether the period is closed or missing.
pub(crate) async fn claim_numbers<T: LedgerTx>(tx: &mut T, book: &Book, date: NaiveDate, count: i64) -> Result<i64> {
    match tx.claim_numbers(book.key(), Period::of_date(date), count).await? {
        Some(last) => Ok(last),
        None => {
            check_period_open(tx, book, date).await?;
            Err(Error::PeriodClosed { date: date.to_string(), period: Period::of_date(date).to_string() })
        }
    }
}

pub(crate) fn line_rows(book: &Book, voucher_id: VoucherId, input: &VoucherInput) -> Vec<LineRow> {
    input
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRow {
            voucher_id,
            line_no: i as i64 + 1,
            summary: l.summary.trim().to_string(),
            account_id: book.account_id(&l.account).expect("VoucherInput::check confirmed every line's account is in the chart"),
            debit_fen: l.debit.0,
            credit_fen: l.credit.0,
            household_id: l.dimensions.household_id,
            fee_item_id: l.dimensions.fee_item_id,
            subsidy_program_id: l.dimensions.subsidy_program_id,
            service_category: l.dimensions.service_category.clone(),
            supplier_id: l.dimensions.supplier_id,
            cash_flow_item: l.dimensions.cash_flow_item,
        })
        .collect()
}

/// A stored voucher as input again, for the pair check before posting and for reversals.
pub fn input_from_rows(book: &Book, v: &VoucherRow, lines: &[LineRow]) -> Result<VoucherInput> {
    let lines = lines
        .iter()
        .map(|l| {
            Ok(LineInput {
                summary: l.summary.clone(),
                account: book.code_of(l.account_id)?.to_string(),
                debit: Fen(l.debit_fen),
                credit: Fen(l.credit_fen),
                dimensions: dimensions_of(l),
            })
        })
        .collect::<Result<_>>()?;
    // The schema's CHECK keeps attachments between 0 and 9,999.
    let attachments = u32::try_from(v.attachments).map_err(|_| Error::invalid("附单据数", v.attachments.to_string()))?;
    Ok(VoucherInput { date: v.voucher_date, attachments, lines })
}

pub(crate) fn balance_deltas(period: Period, lines: &[LineRow]) -> Vec<BalanceRow> {
    let mut per_account: BTreeMap<AccountId, (i64, i64)> = BTreeMap::new();
    for l in lines {
        let e = per_account.entry(l.account_id).or_default();
        e.0 += l.debit_fen;
        e.1 += l.credit_fen;
    }
    per_account.into_iter().map(|(account_id, (debit_fen, credit_fen))| BalanceRow { account_id, period, debit_fen, credit_fen }).collect()
}
