//! The ledger wing: books (账套) made from chart templates, vouchers (记账凭证) with
//! 制单 → 审核 → 记账, gap-free numbers, the hash chain, periods and year-end, opening
//! balances, `verify`'s chain checks and the hledger export. Every public operation opens one
//! transaction and commits it only when every rule held, so a refused operation leaves the
//! database exactly as it was (invariant 8).
//!
//! Other wings reach the ledger through this module's public items: `Ledger` for its
//! operations, `Book` for a loaded chart, and `post_approved` / `post_claimed` to post the
//! vouchers their own operations generate inside their own transaction.

pub mod account;
pub mod anchor;
mod book;
pub mod cash_flow;
pub mod chart;
pub mod daily;
mod drafts;
pub mod export;
mod journal;
pub mod lookup;
mod opening;
pub mod paper;
mod periods;
mod posting;
pub mod rows;
pub mod settings;
pub mod store;
mod subaccount;
pub mod surtax;
pub mod verify;
pub mod voucher;

use chrono::{NaiveDate, Utc};

use crate::domain::ids::{BookId, BookKey, CommunityId, VoucherId};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountCode};
use crate::ledger::drafts::DraftTx;
use crate::ledger::rows::{BookRow, ChainClaim, CommunityRow, LineRow, NewBook, NewVoucher, PeriodRow, Posting, VoucherRow};
use crate::ledger::store::LedgerStore;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{genesis_hash, voucher_label, PeriodStatus, SealHeader, VoucherInput, VoucherKind, VoucherStatus};
use crate::store::Tx;

pub use book::{genesis_of, load_book, Book};
pub use daily::SYSTEM_MAKER;
use posting::{balance_deltas, claim_numbers, line_rows};
pub use posting::{dimensions_of, input_from_rows, post_approved, post_claimed, seal_hash, two_lines, ApprovedVoucher, Posted};
pub use settings::{CashFlowItems, PaymentVouchers, Vat, VatScheme};

#[derive(Clone)]
pub struct Ledger<S: LedgerStore> {
    pub store: S,
}

impl<S: LedgerStore> Ledger<S> {
    pub fn new(store: S) -> Ledger<S> {
        Ledger { store }
    }

    pub async fn create_community(&self, name: &str) -> Result<CommunityRow> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("社区名称", "不能为空"));
        }
        crate::domain::limits::check_text(name, 100).map_err(|reason| Error::invalid("社区名称", reason))?;
        let mut tx = self.store.begin().await?;
        if tx.communities().await?.iter().any(|c| c.name == name) {
            return Err(Error::Conflict(format!("社区“{name}”已存在")));
        }
        let id = tx.insert_community(name, Utc::now()).await?;
        tx.commit().await?;
        Ok(CommunityRow { id, name: name.to_string() })
    }

    /// The community by name, or the only one when no name is given.
    pub async fn community(&self, name: Option<&str>) -> Result<CommunityRow> {
        let mut tx = self.store.read().await?;
        let all = tx.communities().await?;
        match name {
            Some(n) => all.into_iter().find(|c| c.name == n).ok_or_else(|| Error::not_found(format!("社区“{n}”"))),
            None if all.len() == 1 => Ok(all.into_iter().next().expect("one community")),
            None if all.is_empty() => Err(Error::not_found("任何社区（请先运行 mingzhang init）")),
            None => Err(Error::invalid("--community", "数据库中有多个社区，请指明")),
        }
    }

    /// Creates a book from a chart template with the periods of its first year open.
    pub async fn create_book(&self, community_id: CommunityId, code: &str, name: &str, chart_id: &str, start: Period) -> Result<Book> {
        let chart = chart::load(chart_id)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 40 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Error::invalid("账套编码", "须为1至40个字母、数字、- 或 _"));
        }
        if name.trim().is_empty() {
            return Err(Error::invalid("账套名称", "不能为空"));
        }
        crate::domain::limits::check_text(name.trim(), 100).map_err(|reason| Error::invalid("账套名称", reason))?;
        let mut tx = self.store.begin().await?;
        if tx.books(community_id).await?.iter().any(|b| b.code == code) {
            return Err(Error::Conflict(format!("账套“{code}”已存在")));
        }
        let new = NewBook {
            community_id,
            code,
            name,
            chart: chart_id,
            standard: &chart.standard,
            edition: &chart.edition,
            profit_account: chart.profit_account.as_str(),
            retained_account: chart.retained_account.as_str(),
            start_period: start,
            created_at: Utc::now(),
        };
        // The genesis link is re-made when opening balances are imported; until then it commits
        // to the book alone.
        let placeholder = genesis_hash(BookId(0), &[]);
        let book_id = tx.insert_book(&new, &placeholder).await?;
        let key = BookKey { community_id, book_id };
        tx.set_chain_head(key, &genesis_hash(book_id, &[])).await?;
        let accounts: Vec<Account> = chart.accounts.values().cloned().collect();
        tx.insert_accounts(key, &accounts).await?;
        let periods: Vec<Period> = start.through(Period::new(start.year(), 12).expect("December is a month")).collect();
        tx.insert_periods(key, &periods).await?;
        let book = load_book(&mut tx, community_id, code).await?;
        tx.commit().await?;
        Ok(book)
    }

    pub async fn book(&self, community_id: CommunityId, code: &str) -> Result<Book> {
        let mut tx = self.store.read().await?;
        load_book(&mut tx, community_id, code).await
    }

    pub async fn books(&self, community_id: CommunityId) -> Result<Vec<BookRow>> {
        let mut tx = self.store.read().await?;
        tx.books(community_id).await
    }

    pub async fn periods(&self, book: &Book) -> Result<Vec<PeriodRow>> {
        let mut tx = self.store.read().await?;
        tx.periods(book.key()).await
    }

    /// The month the book is at: its earliest open month (the next to close), else the month
    /// after its last closed one, else `today`'s. Pages open on it rather than on today's month,
    /// which may lie months ahead of the books.
    pub async fn working_period(&self, book: &Book, today: chrono::NaiveDate) -> Result<Period> {
        let periods = self.periods(book).await?;
        let open = periods.iter().filter(|p| p.status == PeriodStatus::Open).map(|p| p.period).min();
        let after_closed = periods.iter().filter(|p| p.status != PeriodStatus::Open).map(|p| p.period).max().map(Period::next);
        Ok(open.or(after_closed).unwrap_or_else(|| Period::of_date(today)))
    }

    /// 制单: stores a checked draft. It gets its number only when posted.
    pub async fn draft(&self, book: &Book, maker: &str, input: &VoucherInput) -> Result<VoucherId> {
        self.draft_kind(book, maker, input, VoucherKind::Normal, None).await
    }

    async fn draft_kind(
        &self,
        book: &Book,
        maker: &str,
        input: &VoucherInput,
        kind: VoucherKind,
        reverses_id: Option<VoucherId>,
    ) -> Result<VoucherId> {
        let maker = check_person("制单人", maker)?;
        let input = &input.with_account_codes(&book.chart)?;
        input.check(kind, &book.chart)?;
        check_control_accounts(book, input)?;
        let mut tx = self.store.begin().await?;
        let id = insert_draft(&mut tx, book, maker, input, kind, reverses_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// 修改凭证: the maker replaces a draft's date, attachments and lines before it is reviewed
    /// (a reviewed one is first sent back with `unreview`). A red-ink reversal keeps the lines
    /// it copies; it can only be deleted.
    pub async fn edit_draft(&self, book: &Book, voucher_id: VoucherId, maker: &str, input: &VoucherInput) -> Result<()> {
        let maker = check_person("制单人", maker)?;
        let input = &input.with_account_codes(&book.chart)?;
        input.check(VoucherKind::Normal, &book.chart)?;
        check_control_accounts(book, input)?;
        let mut tx = self.store.begin().await?;
        let v = find_draft_of(&mut tx, book, voucher_id, maker, "修改").await?;
        if v.kind != VoucherKind::Normal {
            return Err(wrong_status(&v, "红字冲销凭证照原凭证生成，不能修改，只能删除后重新冲销"));
        }
        check_period_open(&mut tx, book, input.date).await?;
        if tx.update_draft(book.key(), v.id, input.date, input.period(), i64::from(input.attachments)).await? != 1 {
            return Err(changed_meanwhile());
        }
        tx.delete_draft_lines(book.key(), v.id).await?;
        tx.insert_lines(book.key(), &line_rows(book, v.id, input)).await?;
        tx.commit().await
    }

    /// 删除凭证: the maker deletes a draft before it is reviewed. Drafts have no number yet, so
    /// the numbering keeps no gap.
    pub async fn delete_draft(&self, book: &Book, voucher_id: VoucherId, maker: &str) -> Result<()> {
        let maker = check_person("制单人", maker)?;
        let mut tx = self.store.begin().await?;
        let v = find_draft_of(&mut tx, book, voucher_id, maker, "删除").await?;
        if tx.delete_draft(book.key(), v.id).await? != 1 {
            return Err(changed_meanwhile());
        }
        tx.commit().await
    }

    /// 取消审核: the reviewer sends a reviewed voucher back to draft, so its maker can change it.
    pub async fn unreview(&self, book: &Book, voucher_id: VoucherId, reviewer: &str) -> Result<()> {
        let reviewer = check_person("审核人", reviewer)?;
        let mut tx = self.store.begin().await?;
        let v = find_voucher(&mut tx, book, voucher_id).await?;
        if v.status != VoucherStatus::Reviewed {
            return Err(wrong_status(&v, "只有已审核、未记账的凭证可以取消审核"));
        }
        if v.reviewer.as_deref() != Some(reviewer) {
            return Err(Error::invalid("--user", format!("只有审核人 {} 可以取消审核", v.reviewer.unwrap_or_default())));
        }
        if tx.set_unreviewed(book.key(), v.id).await? != 1 {
            return Err(changed_meanwhile());
        }
        tx.commit().await
    }

    /// 审核: by someone other than the maker.
    pub async fn review(&self, book: &Book, voucher_id: VoucherId, reviewer: &str) -> Result<()> {
        let reviewer = check_person("审核人", reviewer)?;
        let mut tx = self.store.begin().await?;
        let v = find_voucher(&mut tx, book, voucher_id).await?;
        match v.status {
            VoucherStatus::Draft => {}
            VoucherStatus::Reviewed => return Err(wrong_status(&v, "凭证已审核，不需再审核")),
            VoucherStatus::Posted => return Err(wrong_status(&v, "凭证已记账，不能再审核")),
        }
        if v.maker == reviewer {
            return Err(Error::SelfReview { user: reviewer.to_string() });
        }
        if daily::waits_for_day_close(&v) {
            return Err(wrong_status(&v, &format!("{} 的收款凭证由审核人日结（day-close）时审核并记账，不单独审核", v.voucher_date)));
        }
        tx.set_reviewed(book.key(), v.id, reviewer, Utc::now()).await?;
        tx.commit().await
    }

    /// 批量审核: reviews every draft of the month that `reviewer` did not make, in the order
    /// they were entered; the ones the reviewer made are left for someone else and listed.
    pub async fn review_month(&self, book: &Book, period: Period, reviewer: &str) -> Result<Batch> {
        let mut batch = Batch::default();
        for v in self.month_vouchers(book, period, VoucherStatus::Draft).await? {
            if v.maker == reviewer.trim() {
                batch.skipped.push(format!("#{} 由 {} 制单，须由他人审核", v.id, v.maker));
                continue;
            }
            if daily::waits_for_day_close(&v) {
                batch.skipped.push(format!("#{} 为 {} 的收款凭证，由日结（day-close）审核并记账", v.id, v.voucher_date));
                continue;
            }
            self.review(book, v.id, reviewer).await?;
            batch.done.push(format!("#{}", v.id));
        }
        Ok(batch)
    }

    /// 批量记账: posts every reviewed voucher of the month, in the order they were entered, so
    /// their numbers follow that order. Stops at the first that cannot be posted, keeping those
    /// posted before it.
    pub async fn post_month(&self, book: &Book, period: Period, poster: &str) -> Result<Batch> {
        let mut batch = Batch::default();
        for v in self.month_vouchers(book, period, VoucherStatus::Reviewed).await? {
            let posted = self.post(book, v.id, poster).await?;
            batch.done.push(format!("#{} → {}", v.id, posted.label));
        }
        Ok(batch)
    }

    async fn month_vouchers(&self, book: &Book, period: Period, status: VoucherStatus) -> Result<Vec<VoucherRow>> {
        let mut tx = self.store.read().await?;
        let mut vouchers: Vec<VoucherRow> =
            tx.vouchers(book.key(), period, period, i64::MAX).await?.into_iter().filter(|v| v.status == status).collect();
        vouchers.sort_by_key(|v| v.id);
        Ok(vouchers)
    }

    /// 记账: gives a reviewed voucher its number and its link in the chain, and adds its lines
    /// to the maintained balances.
    pub async fn post(&self, book: &Book, voucher_id: VoucherId, poster: &str) -> Result<Posted> {
        let poster = check_person("记账人", poster)?;
        let mut tx = self.store.begin().await?;
        let v = find_voucher(&mut tx, book, voucher_id).await?;
        match v.status {
            VoucherStatus::Reviewed => {}
            VoucherStatus::Draft => return Err(wrong_status(&v, "须先审核才能记账")),
            VoucherStatus::Posted => return Err(wrong_status(&v, "凭证已记账，不能重复记账")),
        }
        // A hand-made voucher carries no subledger rows: 1122 and 2203 refuse it (see
        // `check_control_accounts`).
        let posted = post_reviewed(&mut tx, book, &v, poster, "").await?;
        tx.commit().await?;
        Ok(posted)
    }

    /// Posts vouchers that were reviewed elsewhere, many per transaction: the path of billing
    /// runs and imports. Numbers, chain links and balances are the same as one-by-one posting.
    pub async fn post_batch(&self, book: &Book, poster: &str, vouchers: &[ApprovedVoucher]) -> Result<Vec<Posted>> {
        for (i, v) in vouchers.iter().enumerate() {
            check_control_accounts(book, &v.input)?;
            if v.reverses_id.is_some() {
                // Links go through `reverse`, which checks what is reversed.
                return Err(Error::invalid(format!("第 {} 张凭证", i + 1), "红字冲销须经冲销流程（voucher reverse），不能批量记账"));
            }
        }
        let mut tx = self.store.begin().await?;
        let posted = post_approved(&mut tx, book, poster, vouchers).await?;
        tx.commit().await?;
        Ok(posted)
    }

    /// 红字冲销: drafts a reversal of a posted voucher, linked to it. It is then reviewed and
    /// posted like any voucher. A voucher is reversed at most once and a reversal is never
    /// itself reversed (the database's UNIQUE on reverses_id backs the first rule).
    pub async fn reverse(&self, book: &Book, voucher_id: VoucherId, maker: &str, date: NaiveDate) -> Result<VoucherId> {
        let (target, lines) = {
            let mut tx = self.store.begin().await?;
            let target = find_voucher(&mut tx, book, voucher_id).await?;
            let label = describe(&target);
            if target.status != VoucherStatus::Posted {
                return Err(wrong_status(&target, "未记账的凭证直接修改即可，不需冲销"));
            }
            if target.kind == VoucherKind::Reversal {
                return Err(Error::ReversingReversal { voucher: label });
            }
            if let Some(r) = tx.reversal_of(book.key(), target.id).await? {
                return Err(Error::AlreadyReversed { voucher: label, by: describe(&r) });
            }
            let lines = tx.lines(book.key(), target.id).await?;
            (target, lines)
        };
        let original = input_from_rows(book, &target, &lines)?;
        let reversal = original.reversed(date, &format!("{} {}", target.period, describe(&target)));
        self.draft_kind(book, maker, &reversal, VoucherKind::Reversal, Some(target.id)).await
    }

    pub async fn voucher(&self, book: &Book, voucher_id: VoucherId) -> Result<(VoucherRow, Vec<LineRow>)> {
        let mut tx = self.store.read().await?;
        let v = find_voucher(&mut tx, book, voucher_id).await?;
        let lines = tx.lines(book.key(), v.id).await?;
        Ok((v, lines))
    }

    pub async fn voucher_by_label(&self, book: &Book, period: Period, number: i64) -> Result<VoucherRow> {
        let mut tx = self.store.read().await?;
        tx.voucher_by_number(book.key(), period, number)
            .await?
            .ok_or_else(|| Error::not_found(format!("{period} 的凭证 {}", voucher_label(number))))
    }
}

/// 应收账款 and 预收账款 are control accounts of the household subledger (invariant 5): only
/// billing runs, payments and waivers post to them, each with its bills; a hand-made voucher
/// that touched them would break the tie.
fn check_control_accounts(book: &Book, input: &VoucherInput) -> Result<()> {
    cash_flow::check_items(book, input)?;
    let Some(fee) = &crate::ledger::chart::load(&book.row.chart)?.fee_accounts else { return Ok(()) };
    for (i, l) in input.lines.iter().enumerate() {
        if l.account == fee.receivable.as_str() || l.account == fee.advance.as_str() {
            let name = AccountCode::parse(&l.account).and_then(|c| book.chart.get(&c)).map_or("", |a| a.name.as_str());
            return Err(Error::BadLine {
                line: i + 1,
                reason: format!("{} {name} 是住户明细账的统驭科目，只能由计费、收款、减免记账，不能手工制单", l.account),
            });
        }
    }
    Ok(())
}

/// A user name as the voucher's maker, reviewer or poster: required, at most 50 characters.
/// A person's name where a person acts (制单, 审核, 记账, 审批): not the system's, which only the
/// vouchers the system generates carry.
pub fn check_person<'a>(field: &str, user: &'a str) -> Result<&'a str> {
    let u = check_user(field, user)?;
    if u == SYSTEM_MAKER {
        return Err(Error::invalid(field, format!("“{SYSTEM_MAKER}”是系统生成凭证的制单人，不能作为操作人")));
    }
    Ok(u)
}

pub fn check_user<'a>(field: &str, user: &'a str) -> Result<&'a str> {
    let u = user.trim();
    if u.is_empty() || u.chars().count() > 50 {
        return Err(Error::invalid(field, "须填写，最多50个字"));
    }
    Ok(u)
}

/// Writes a checked draft in an open period inside the caller's transaction.
pub(crate) async fn insert_draft<T: LedgerTx>(
    tx: &mut T,
    book: &Book,
    maker: &str,
    input: &VoucherInput,
    kind: VoucherKind,
    reverses_id: Option<VoucherId>,
) -> Result<VoucherId> {
    check_period_open(tx, book, input.date).await?;
    let id = tx.insert_voucher(&new_draft(book, maker, input, kind, reverses_id)).await?;
    tx.insert_lines(book.key(), &line_rows(book, id, input)).await?;
    Ok(id)
}

/// `insert_draft` for several drafts, of one book or of several (a transaction of several
/// communities' payments): each book's periods read once, the vouchers written by one
/// statement and their lines by another. Returns each book's ids in the order of its inputs.
pub(crate) async fn insert_drafts<T: LedgerTx>(
    tx: &mut T,
    drafts: &[(&Book, &[VoucherInput])],
    maker: &str,
    kind: VoucherKind,
) -> Result<Vec<Vec<VoucherId>>> {
    let mut vouchers = Vec::new();
    for (book, inputs) in drafts.iter().filter(|(_, inputs)| !inputs.is_empty()) {
        let periods = tx.periods(book.key()).await?;
        for input in *inputs {
            period_open_in(&periods, input.date)?;
            vouchers.push(new_draft(book, maker, input, kind, None));
        }
    }
    if vouchers.is_empty() {
        return Ok(drafts.iter().map(|_| Vec::new()).collect());
    }
    let ids = tx.insert_vouchers(&vouchers).await?;
    assert_eq!(ids.len(), vouchers.len(), "an INSERT without ON CONFLICT returns a row for each");
    let mut ids = ids.into_iter();
    let ids: Vec<Vec<VoucherId>> = drafts.iter().map(|(_, inputs)| ids.by_ref().take(inputs.len()).collect()).collect();
    let lines: Vec<(BookKey, Vec<LineRow>)> = drafts
        .iter()
        .zip(&ids)
        .map(|((book, inputs), ids)| (book.key(), ids.iter().zip(*inputs).flat_map(|(id, input)| line_rows(book, *id, input)).collect()))
        .collect();
    let lines: Vec<(BookKey, &[LineRow])> = lines.iter().map(|(book, lines)| (*book, lines.as_slice())).collect();
    tx.insert_lines_of(&lines).await?;
    Ok(ids)
}

/// A draft's row, as `maker` enters `input`.
fn new_draft(book: &Book, maker: &str, input: &VoucherInput, kind: VoucherKind, reverses_id: Option<VoucherId>) -> NewVoucher {
    NewVoucher {
        community_id: book.row.community_id,
        book_id: book.id(),
        period: input.period(),
        voucher_date: input.date,
        kind,
        status: VoucherStatus::Draft,
        number: None,
        attachments: i64::from(input.attachments),
        maker: maker.to_string(),
        reviewer: None,
        poster: None,
        reverses_id,
        created_at: Utc::now(),
        reviewed_at: None,
        posted_at: None,
        chain_seq: None,
        prev_hash: None,
        hash: None,
        subledger_digest: None,
    }
}

/// 记账 inside the caller's transaction: gives reviewed voucher `v` its number and its link in
/// the chain, sealing `subledger` (the digest of the subledger rows written with it, "" for
/// none), and adds its lines to the maintained balances.
pub(crate) async fn post_reviewed<T: LedgerTx>(tx: &mut T, book: &Book, v: &VoucherRow, poster: &str, subledger: &str) -> Result<Posted> {
    let lines = tx.lines(book.key(), v.id).await?;
    // Pair assertion: the stored lines must still satisfy every rule the draft did.
    input_from_rows(book, v, &lines)?.check(v.kind, &book.chart)?;
    check_period_open(tx, book, v.voucher_date).await?;
    let ChainClaim { chain_len, chain_head: head, .. } = tx.claim_chain(book.key(), 1, 0).await?;
    let number = claim_numbers(tx, book, v.voucher_date, 1).await?;
    // The schema's CHECK keeps a reviewer on every voucher past draft.
    let reviewer = v.reviewer.clone().ok_or_else(|| Error::invalid("审核人", format!("凭证 {} 已审核却没有审核人", describe(v))))?;
    let header = SealHeader {
        book_id: book.id(),
        chain_seq: chain_len,
        period: v.period.key(),
        number,
        date: v.voucher_date,
        kind: v.kind.as_str(),
        attachments: v.attachments,
        maker: &v.maker,
        reviewer: &reviewer,
        poster,
        reverses_id: v.reverses_id,
        subledger: Some(subledger),
    };
    let hash = seal_hash(header, &lines, book, &head)?;
    let done = tx
        .set_posted(
            book.key(),
            v.id,
            &Posting { number, chain_seq: chain_len, prev_hash: &head, hash: &hash, poster, at: Utc::now(), subledger },
        )
        .await?;
    if done != 1 {
        return Err(changed_meanwhile());
    }
    tx.set_chain_head(book.key(), &hash).await?;
    let deltas = balance_deltas(v.period, &lines);
    tx.add_balances(book.key(), &deltas).await?;
    tx.add_cash_flows(book.key(), &cash_flow::posting_rows(book, v.period, &lines)?).await?;
    verify::refuse_side_breach(tx, book, &deltas).await?;
    Ok(Posted { voucher_id: v.id, period: v.period.to_string(), number, label: voucher_label(number), hash })
}

async fn find_voucher<T: LedgerTx>(tx: &mut T, book: &Book, voucher_id: VoucherId) -> Result<VoucherRow> {
    tx.voucher(book.key(), voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{voucher_id}")))
}

/// A draft that `maker` made, for them to change or delete.
async fn find_draft_of<T: LedgerTx>(tx: &mut T, book: &Book, voucher_id: VoucherId, maker: &str, action: &str) -> Result<VoucherRow> {
    let v = find_voucher(tx, book, voucher_id).await?;
    match v.status {
        VoucherStatus::Draft => {}
        VoucherStatus::Reviewed => {
            return Err(wrong_status(&v, &format!("已审核的凭证须由审核人取消审核（voucher unreview）后才能{action}")))
        }
        VoucherStatus::Posted => return Err(wrong_status(&v, &format!("已记账的凭证不能{action}，只能红字冲销（voucher reverse）"))),
    }
    if v.maker != maker {
        return Err(Error::invalid("--user", format!("只有制单人 {} 可以{action}这张凭证", v.maker)));
    }
    Ok(v)
}

/// A guarded UPDATE or DELETE found the voucher no longer in the state just read.
fn changed_meanwhile() -> Error {
    Error::Conflict("凭证已被他人处理，请刷新后重试".into())
}

fn wrong_status(v: &VoucherRow, rule: &str) -> Error {
    Error::WrongStatus { voucher: describe(v), status: v.status.label().to_string(), rule: rule.to_string() }
}

/// "2025-01 记-0003" for a posted voucher, "#17（未记账）" for a draft.
pub fn describe(v: &VoucherRow) -> String {
    match v.number {
        Some(n) => format!("{} {}", v.period, voucher_label(n)),
        None => format!("#{}（未记账）", v.id),
    }
}

pub fn period_text(key: i64) -> String {
    Period::from_key(key).map_or_else(|| key.to_string(), |p| p.to_string())
}

/// "2025-01 至 2025-12": the periods a book has, for messages.
pub fn periods_text(periods: &[PeriodRow]) -> String {
    match (periods.first(), periods.last()) {
        (Some(a), Some(b)) => format!("{} 至 {}", a.period, b.period),
        _ => "无".into(),
    }
}

/// A date may be used only inside an open period of the book.
pub async fn check_period_open<T: LedgerTx>(tx: &mut T, book: &Book, date: NaiveDate) -> Result<()> {
    period_open_in(&tx.periods(book.key()).await?, date)
}

/// `check_period_open` on periods already read.
fn period_open_in(periods: &[PeriodRow], date: NaiveDate) -> Result<()> {
    let period = Period::of_date(date);
    match periods.iter().find(|p| p.period == period) {
        Some(p) if p.status == PeriodStatus::Closed => Err(Error::PeriodClosed { date: date.to_string(), period: period.to_string() }),
        Some(_) => Ok(()),
        None => Err(Error::NoPeriod { date: date.to_string(), open_range: periods_text(periods) }),
    }
}

/// What a batch review or posting did: the vouchers done, and those left with the reason.
#[derive(Debug, Default)]
pub struct Batch {
    pub done: Vec<String>,
    pub skipped: Vec<String>,
}
