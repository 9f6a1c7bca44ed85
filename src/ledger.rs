//! The write path: check, number, chain, store, in one transaction. Every public operation here
//! opens one transaction and commits it only when every rule held, so a refused operation
//! leaves the database exactly as it was (invariant 8).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};

use crate::chart;
use crate::domain::account::{Account, AccountClass, AccountCode, Side};
use crate::domain::limits::{MAX_IMPORT_ROWS, MAX_VOUCHERS_PER_BATCH};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::domain::voucher::{
    genesis_hash, voucher_label, Dimensions, LineInput, SealHeader, SealedDimensions, SealedLine, SealedVoucher, VoucherInput, VoucherKind,
    VoucherStatus,
};
use crate::error::{Error, Result};
use crate::store::{
    BalanceRow, BookRow, ChainClaim, CommunityRow, LineRow, NewBook, NewVoucher, OpeningRow, PeriodRow, Posting, Store, Tx, VoucherRow,
};

/// A book with its chart, loaded once per operation.
#[derive(Clone, Debug)]
pub struct Book {
    pub row: BookRow,
    pub chart: BTreeMap<AccountCode, Account>,
    pub account_ids: HashMap<AccountCode, i64>,
    pub account_codes: HashMap<i64, AccountCode>,
}

impl Book {
    pub fn id(&self) -> i64 {
        self.row.id
    }

    pub fn account_id(&self, code: &str) -> Option<i64> {
        AccountCode::parse(code).and_then(|c| self.account_ids.get(&c).copied())
    }

    pub fn code_of(&self, account_id: i64) -> &str {
        self.account_codes.get(&account_id).map_or("?", |c| c.as_str())
    }

    pub fn account_by_id(&self, account_id: i64) -> Option<&Account> {
        self.account_codes.get(&account_id).and_then(|c| self.chart.get(c))
    }

    pub fn start_period(&self) -> Period {
        Period::from_key(self.row.start_period).expect("start_period is written from a Period")
    }
}

/// A voucher that was entered and reviewed outside this call (a billing run, an import, a
/// benchmark) and is posted in a batch.
#[derive(Clone, Debug)]
pub struct ApprovedVoucher {
    pub input: VoucherInput,
    pub kind: VoucherKind,
    pub maker: String,
    pub reviewer: String,
    /// The voucher a red-ink reversal reverses (a receipt's void); None for every other.
    pub reverses_id: Option<i64>,
}

/// What a posting gave a voucher.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Posted {
    pub voucher_id: i64,
    pub period: String,
    pub number: i64,
    pub label: String,
    pub hash: String,
}

#[derive(Clone)]
pub struct Ledger<S: Store> {
    pub store: S,
}

impl<S: Store> Ledger<S> {
    pub fn new(store: S) -> Ledger<S> {
        Ledger { store }
    }

    pub async fn create_community(&self, name: &str) -> Result<CommunityRow> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("社区名称", "不能为空，最多100个字"));
        }
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
    pub async fn create_book(&self, community_id: i64, code: &str, name: &str, chart_id: &str, start: Period) -> Result<Book> {
        let chart = chart::load(chart_id)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 40 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Error::invalid("账套编码", "须为1至40个字母、数字、- 或 _"));
        }
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
            start_period: start.key(),
            created_at: Utc::now(),
        };
        // The genesis link is re-made when opening balances are imported; until then it commits
        // to the book alone.
        let placeholder = genesis_hash(0, &[]);
        let book_id = tx.insert_book(&new, &placeholder).await?;
        tx.set_chain_head(book_id, &genesis_hash(book_id, &[])).await?;
        let accounts: Vec<Account> = chart.accounts.values().cloned().collect();
        tx.insert_accounts(community_id, book_id, &accounts).await?;
        let periods: Vec<i64> = start.through(Period::new(start.year(), 12).expect("December")).map(Period::key).collect();
        tx.insert_periods(community_id, book_id, &periods).await?;
        let book = load_book(&mut tx, community_id, code).await?;
        tx.commit().await?;
        Ok(book)
    }

    pub async fn book(&self, community_id: i64, code: &str) -> Result<Book> {
        let mut tx = self.store.read().await?;
        load_book(&mut tx, community_id, code).await
    }

    pub async fn books(&self, community_id: i64) -> Result<Vec<BookRow>> {
        let mut tx = self.store.read().await?;
        tx.books(community_id).await
    }

    pub async fn periods(&self, book: &Book) -> Result<Vec<PeriodRow>> {
        let mut tx = self.store.read().await?;
        tx.periods(book.id()).await
    }

    /// 制单: stores a checked draft. It gets its number only when posted.
    pub async fn draft(&self, book: &Book, maker: &str, input: &VoucherInput) -> Result<i64> {
        self.draft_kind(book, maker, input, VoucherKind::Normal, None).await
    }

    async fn draft_kind(&self, book: &Book, maker: &str, input: &VoucherInput, kind: VoucherKind, reverses_id: Option<i64>) -> Result<i64> {
        let maker = check_user("制单人", maker)?;
        input.check(kind, &book.chart)?;
        check_control_accounts(book, input)?;
        let mut tx = self.store.begin().await?;
        check_period_open(&mut tx, book, input.date).await?;
        let now = Utc::now();
        let voucher = NewVoucher {
            community_id: book.row.community_id,
            book_id: book.id(),
            period: input.period().key(),
            voucher_date: input.date,
            kind: kind.as_str(),
            status: VoucherStatus::Draft.as_str(),
            number: None,
            attachments: i64::from(input.attachments),
            maker: maker.to_string(),
            reviewer: None,
            poster: None,
            reverses_id,
            created_at: now,
            reviewed_at: None,
            posted_at: None,
            chain_seq: None,
            prev_hash: None,
            hash: None,
        };
        let id = tx.insert_voucher(&voucher).await?;
        tx.insert_lines(book.row.community_id, book.id(), &line_rows(book, id, input)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// 审核: by someone other than the maker.
    pub async fn review(&self, book: &Book, voucher_id: i64, reviewer: &str) -> Result<()> {
        let reviewer = check_user("审核人", reviewer)?;
        let mut tx = self.store.begin().await?;
        let v = find_voucher(&mut tx, book, voucher_id).await?;
        if v.status != VoucherStatus::Draft.as_str() {
            return Err(wrong_status(&v, "只有制单状态的凭证可以审核"));
        }
        if v.maker == reviewer {
            return Err(Error::SelfReview { user: reviewer.to_string() });
        }
        tx.set_reviewed(v.id, reviewer, Utc::now()).await?;
        tx.commit().await
    }

    /// 记账: gives a reviewed voucher its number and its link in the chain, and adds its lines
    /// to the maintained balances.
    pub async fn post(&self, book: &Book, voucher_id: i64, poster: &str) -> Result<Posted> {
        let poster = check_user("记账人", poster)?;
        let mut tx = self.store.begin().await?;
        let v = find_voucher(&mut tx, book, voucher_id).await?;
        if v.status != VoucherStatus::Reviewed.as_str() {
            return Err(wrong_status(&v, "须先审核才能记账"));
        }
        let lines = tx.lines(v.id).await?;
        // Pair assertion: the stored lines must still satisfy every rule the draft did.
        let kind = VoucherKind::parse(&v.kind).ok_or_else(|| Error::invalid("凭证类别", v.kind.clone()))?;
        input_from_rows(book, &v, &lines).check(kind, &book.chart)?;
        check_period_open(&mut tx, book, v.voucher_date).await?;
        let ChainClaim { chain_len, chain_head: head, .. } = tx.claim_chain(book.id(), 1, 0).await?;
        let number = claim_numbers(&mut tx, book, v.voucher_date, 1).await?;
        let reviewer = v.reviewer.clone().unwrap_or_default();
        let header = SealHeader {
            book_id: book.id(),
            chain_seq: chain_len,
            period: v.period,
            number,
            date: v.voucher_date,
            kind: &v.kind,
            attachments: v.attachments,
            maker: &v.maker,
            reviewer: &reviewer,
            poster,
            reverses_id: v.reverses_id,
        };
        let hash = seal_hash(header, &lines, book, &head);
        let done =
            tx.set_posted(v.id, &Posting { number, chain_seq: chain_len, prev_hash: &head, hash: &hash, poster, at: Utc::now() }).await?;
        if done != 1 {
            return Err(Error::Conflict("凭证已被他人处理，请刷新后重试".into()));
        }
        tx.set_chain_head(book.id(), &hash).await?;
        tx.add_balances(book.row.community_id, book.id(), &balance_deltas(v.period, &lines)).await?;
        tx.commit().await?;
        Ok(Posted { voucher_id: v.id, period: period_text(v.period), number, label: voucher_label(number), hash })
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
    pub async fn reverse(&self, book: &Book, voucher_id: i64, maker: &str, date: NaiveDate) -> Result<i64> {
        let (target, lines) = {
            let mut tx = self.store.begin().await?;
            let target = find_voucher(&mut tx, book, voucher_id).await?;
            let label = describe(&target);
            if target.status != VoucherStatus::Posted.as_str() {
                return Err(wrong_status(&target, "未记账的凭证直接修改即可，不需冲销"));
            }
            if target.kind == VoucherKind::Reversal.as_str() {
                return Err(Error::ReversingReversal { voucher: label });
            }
            if let Some(r) = tx.reversal_of(target.id).await? {
                return Err(Error::AlreadyReversed { voucher: label, by: describe(&r) });
            }
            let lines = tx.lines(target.id).await?;
            (target, lines)
        };
        let original = input_from_rows(book, &target, &lines);
        let reversal = original.reversed(date, &format!("{} {}", period_text(target.period), describe(&target)));
        self.draft_kind(book, maker, &reversal, VoucherKind::Reversal, Some(target.id)).await
    }

    /// 结账: the month must be open, the months before it closed, and every voucher dated in it
    /// posted. Closing December also needs the year's profit carried forward, and opens the
    /// next year's periods.
    pub async fn close_period(&self, book: &Book, period: Period, user: &str) -> Result<()> {
        let user = check_user("结账人", user)?;
        let mut tx = self.store.begin().await?;
        let periods = tx.periods(book.id()).await?;
        let row = periods.iter().find(|p| p.period == period.key()).ok_or_else(|| Error::not_found(format!("会计期间 {period}")))?;
        if row.status == "closed" {
            return Err(Error::Conflict(format!("会计期间 {period} 已结账")));
        }
        if let Some(open) = periods.iter().find(|p| p.period < period.key() && p.status != "closed") {
            return Err(Error::invalid("结账", format!("须按月顺序结账：{} 尚未结账", period_text(open.period))));
        }
        let unposted = tx.count_unposted(book.id(), period.key()).await?;
        if unposted > 0 {
            return Err(Error::invalid("结账", format!("{period} 还有 {unposted} 张凭证未记账")));
        }
        if period.month() == 12 {
            let balances = tx.balances(book.id()).await?;
            let open_pl = profit_and_loss_balances(book, &balances, period);
            if let Some((code, fen)) = open_pl.first() {
                return Err(Error::invalid(
                    "年末结账",
                    format!("损益类科目 {code} 仍有余额 {}，请先做年末损益结转（mingzhang year-end）", Fen(*fen)),
                ));
            }
        }
        // Taking the book's chain lock (a zero-length claim) waits for any posting still in
        // flight, so the head recorded here is the true head at the close.
        let ChainClaim { chain_len, chain_head, .. } = tx.claim_chain(book.id(), 0, 0).await?;
        tx.close_period(book.id(), period.key(), user, Utc::now(), chain_len, &chain_head).await?;
        if period.month() == 12 {
            let next: Vec<i64> = period.next().through(Period::new(period.year() + 1, 12).expect("December")).map(Period::key).collect();
            tx.insert_periods(book.row.community_id, book.id(), &next).await?;
        }
        tx.commit().await
    }

    /// 年末损益结转: drafts the voucher dated 31 December that empties every profit-and-loss
    /// account into 本年利润 (本年收益) and carries the year's result on to 利润分配—未分配利润
    /// (收益分配—未分配收益). Returns None when there is nothing to carry.
    pub async fn draft_year_end(&self, book: &Book, year: i32, maker: &str) -> Result<Option<i64>> {
        let december = Period::new(year, 12).ok_or_else(|| Error::invalid("年度", year.to_string()))?;
        let balances = {
            let mut tx = self.store.begin().await?;
            if tx.count_unposted(book.id(), december.key()).await? > 0 {
                return Err(Error::invalid("年末结转", format!("{december} 还有未记账凭证，请先审核记账")));
            }
            tx.balances(book.id()).await?
        };
        let open = profit_and_loss_balances(book, &balances, december);
        let profit_code = book.row.profit_account.clone();
        let retained_code = book.row.retained_account.clone();
        let mut lines = Vec::new();
        let mut profit_fen = 0i64; // credit-positive result of the year
        for (code, debit_minus_credit) in &open {
            let amount = Fen(debit_minus_credit.abs());
            let line = if *debit_minus_credit > 0 {
                LineInput {
                    summary: "结转本年损益".into(),
                    account: code.clone(),
                    debit: Fen::ZERO,
                    credit: amount,
                    dimensions: Dimensions::default(),
                }
            } else {
                LineInput {
                    summary: "结转本年损益".into(),
                    account: code.clone(),
                    debit: amount,
                    credit: Fen::ZERO,
                    dimensions: Dimensions::default(),
                }
            };
            profit_fen -= debit_minus_credit;
            lines.push(line);
        }
        if lines.is_empty() {
            return Ok(None);
        }
        let (income, expense): (i64, i64) = open.iter().fold((0, 0), |(i, e), (_, b)| if *b < 0 { (i - b, e) } else { (i, e + b) });
        let side = |summary: &str, account: &str, debit: i64, credit: i64| LineInput {
            summary: summary.into(),
            account: account.into(),
            debit: Fen(debit),
            credit: Fen(credit),
            dimensions: Dimensions::default(),
        };
        if income > 0 {
            lines.push(side("结转本年收入", &profit_code, 0, income));
        }
        if expense > 0 {
            lines.push(side("结转本年费用", &profit_code, expense, 0));
        }
        match profit_fen.signum() {
            1 => {
                lines.push(side("结转本年利润", &profit_code, profit_fen, 0));
                lines.push(side("结转本年利润", &retained_code, 0, profit_fen));
            }
            -1 => {
                lines.push(side("结转本年亏损", &retained_code, -profit_fen, 0));
                lines.push(side("结转本年亏损", &profit_code, 0, -profit_fen));
            }
            _ => {}
        }
        let input = VoucherInput { date: december.last_day(), attachments: 0, lines };
        self.draft_kind(book, maker, &input, VoucherKind::CarryForward, None).await.map(Some)
    }

    /// 期初余额: replaces the book's opening balances from CSV; refused unless they balance, and
    /// once anything has been posted.
    pub async fn import_opening(&self, book: &Book, csv_text: &str) -> Result<usize> {
        let rows = parse_opening_csv(book, csv_text)?;
        let mut tx = self.store.begin().await?;
        let current =
            tx.books(book.row.community_id).await?.into_iter().find(|b| b.id == book.id()).ok_or_else(|| Error::not_found("账套"))?;
        if current.chain_len > 0 {
            return Err(Error::invalid("期初余额", "账套已有记账凭证，期初余额不能再修改"));
        }
        tx.replace_opening_balances(book.row.community_id, book.id(), &rows).await?;
        let genesis = genesis_of(book, &rows);
        tx.set_chain_head(book.id(), &genesis).await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    pub async fn voucher(&self, book: &Book, voucher_id: i64) -> Result<(VoucherRow, Vec<LineRow>)> {
        let mut tx = self.store.read().await?;
        let v = find_voucher(&mut tx, book, voucher_id).await?;
        let lines = tx.lines(v.id).await?;
        Ok((v, lines))
    }

    pub async fn voucher_by_label(&self, book: &Book, period: Period, number: i64) -> Result<VoucherRow> {
        let mut tx = self.store.read().await?;
        tx.voucher_by_number(book.id(), period.key(), number)
            .await?
            .ok_or_else(|| Error::not_found(format!("{period} 的凭证 {}", voucher_label(number))))
    }
}

/// 应收账款 and 预收账款 are control accounts of the household subledger (invariant 5): only
/// billing runs, payments and waivers post to them, each with its bills; a hand-made voucher
/// that touched them would break the tie.
fn check_control_accounts(book: &Book, input: &VoucherInput) -> Result<()> {
    let Some(fee) = &crate::chart::load(&book.row.chart)?.fee_accounts else { return Ok(()) };
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

/// Posts vouchers reviewed elsewhere inside the caller's transaction: the path of batch
/// imports, billing runs and waivers. Numbers, chain links and balances are the same as
/// one-by-one posting.
pub async fn post_approved<T: Tx>(tx: &mut T, book: &Book, poster: &str, vouchers: &[ApprovedVoucher]) -> Result<Vec<Posted>> {
    let claim = tx.claim_chain(book.id(), vouchers.len() as i64, 0).await?;
    post_claimed(tx, book, poster, vouchers, claim).await
}

/// Posts vouchers whose chain links were claimed by the caller (`Tx::claim_chain` with their
/// count): a payment claims its receipt number in the same statement, before its voucher's
/// summary can name the receipt.
pub async fn post_claimed<T: Tx>(
    tx: &mut T,
    book: &Book,
    poster: &str,
    vouchers: &[ApprovedVoucher],
    claim: ChainClaim,
) -> Result<Vec<Posted>> {
    let poster = check_user("记账人", poster)?;
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
    let ChainClaim { chain_len, chain_head: mut head, .. } = claim;
    // Numbers: each period's counter is advanced once by the batch's count in that period.
    let mut counts: BTreeMap<Period, i64> = BTreeMap::new();
    for v in vouchers {
        *counts.entry(v.input.period()).or_default() += 1;
    }
    let mut next_number: BTreeMap<Period, i64> = BTreeMap::new();
    for (period, count) in &counts {
        let last = claim_numbers(tx, book, period.first_day(), *count).await?;
        next_number.insert(*period, last - count + 1);
    }
    let now = Utc::now();
    let first_seq = chain_len - vouchers.len() as i64 + 1;
    let mut rows = Vec::with_capacity(vouchers.len());
    let mut all_lines: Vec<Vec<LineRow>> = Vec::with_capacity(vouchers.len());
    let mut posted = Vec::with_capacity(vouchers.len());
    for (i, v) in vouchers.iter().enumerate() {
        let period = v.input.period();
        let next = next_number.get_mut(&period).expect("every period of the batch has a counter");
        let number = *next;
        *next += 1;
        let seq = first_seq + i as i64;
        let lines = line_rows(book, 0, &v.input);
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
        };
        let hash = seal_hash(header, &lines, book, &head);
        rows.push(NewVoucher {
            community_id: book.row.community_id,
            book_id: book.id(),
            period: period.key(),
            voucher_date: v.input.date,
            kind: v.kind.as_str(),
            status: VoucherStatus::Posted.as_str(),
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
            prev_hash: Some(head.clone()),
            hash: Some(hash.clone()),
        });
        posted.push(Posted { voucher_id: 0, period: period.to_string(), number, label: voucher_label(number), hash: hash.clone() });
        all_lines.push(lines);
        head = hash;
    }
    let ids = tx.insert_posted_vouchers(&rows).await?;
    let mut deltas: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
    let mut flat = Vec::with_capacity(all_lines.iter().map(Vec::len).sum());
    for ((id, lines), (row, p)) in ids.iter().zip(all_lines).zip(rows.iter().zip(posted.iter_mut())) {
        p.voucher_id = *id;
        for mut l in lines {
            let d = deltas.entry((l.account_id, row.period)).or_default();
            d.0 += l.debit_fen;
            d.1 += l.credit_fen;
            l.voucher_id = *id;
            flat.push(l);
        }
    }
    tx.insert_lines(book.row.community_id, book.id(), &flat).await?;
    let deltas: Vec<BalanceRow> = deltas
        .into_iter()
        .map(|((account_id, period), (debit_fen, credit_fen))| BalanceRow { account_id, period, debit_fen, credit_fen })
        .collect();
    tx.add_balances(book.row.community_id, book.id(), &deltas).await?;
    tx.set_chain_head(book.id(), &head).await?;
    Ok(posted)
}

/// Hashes a voucher as the chain seals it, from its stored rows: used when posting and again by
/// `verify`, so both hash exactly the same bytes.
pub fn seal_hash(header: SealHeader<'_>, lines: &[LineRow], book: &Book, prev_hash: &str) -> String {
    let lines = lines
        .iter()
        .map(|l| SealedLine {
            line_no: l.line_no,
            account: book.code_of(l.account_id),
            debit_fen: l.debit_fen,
            credit_fen: l.credit_fen,
            summary: &l.summary,
            dimensions: SealedDimensions {
                household_id: l.household_id,
                fee_item_id: l.fee_item_id,
                subsidy_program_id: l.subsidy_program_id,
                service_category: l.service_category.as_deref(),
                supplier_id: l.supplier_id,
            },
        })
        .collect();
    SealedVoucher { header, lines }.hash(prev_hash)
}

pub fn dimensions_of(l: &LineRow) -> Dimensions {
    Dimensions {
        household_id: l.household_id,
        fee_item_id: l.fee_item_id,
        subsidy_program_id: l.subsidy_program_id,
        service_category: l.service_category.clone(),
        supplier_id: l.supplier_id,
    }
}

/// The genesis link for a book with these opening balances.
pub fn genesis_of(book: &Book, opening: &[OpeningRow]) -> String {
    let mut rows: Vec<(String, i64)> = opening.iter().map(|r| (book.code_of(r.account_id).to_string(), r.balance_fen)).collect();
    rows.sort();
    genesis_hash(book.id(), &rows)
}

pub async fn load_book<T: Tx>(tx: &mut T, community_id: i64, code: &str) -> Result<Book> {
    let row =
        tx.books(community_id).await?.into_iter().find(|b| b.code == code).ok_or_else(|| Error::not_found(format!("账套“{code}”")))?;
    let rows = tx.accounts(row.id).await?;
    let mut chart = BTreeMap::new();
    let mut account_ids = HashMap::new();
    let mut account_codes = HashMap::new();
    for r in rows {
        let code = AccountCode::parse(&r.code).ok_or_else(|| Error::invalid("科目编码", r.code.clone()))?;
        let account = Account {
            code: code.clone(),
            name: r.name,
            class: AccountClass::parse(&r.class).ok_or_else(|| Error::invalid("科目类别", r.class.clone()))?,
            normal_side: Side::parse(&r.normal_side).ok_or_else(|| Error::invalid("余额方向", r.normal_side.clone()))?,
            parent: r.parent_code.as_deref().and_then(AccountCode::parse),
            level: u32::try_from(r.level).unwrap_or(1),
            is_leaf: r.is_leaf,
        };
        account_ids.insert(code.clone(), r.id);
        account_codes.insert(r.id, code.clone());
        chart.insert(code, account);
    }
    Ok(Book { row, chart, account_ids, account_codes })
}

/// A user name as the voucher's maker, reviewer or poster: required, at most 50 characters.
pub(crate) fn check_user<'a>(field: &str, user: &'a str) -> Result<&'a str> {
    let u = user.trim();
    if u.is_empty() || u.chars().count() > 50 {
        return Err(Error::invalid(field, "须填写，最多50个字"));
    }
    Ok(u)
}

async fn find_voucher<T: Tx>(tx: &mut T, book: &Book, voucher_id: i64) -> Result<VoucherRow> {
    tx.voucher(book.id(), voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{voucher_id}")))
}

fn wrong_status(v: &VoucherRow, rule: &str) -> Error {
    let status = VoucherStatus::parse(&v.status).map_or_else(|| v.status.clone(), |s| s.label().to_string());
    Error::WrongStatus { voucher: describe(v), status, rule: rule.to_string() }
}

/// "2025-01 记-0003" for a posted voucher, "#17（未记账）" for a draft.
pub fn describe(v: &VoucherRow) -> String {
    match v.number {
        Some(n) => format!("{} {}", period_text(v.period), voucher_label(n)),
        None => format!("#{}（未记账）", v.id),
    }
}

pub fn period_text(key: i64) -> String {
    Period::from_key(key).map_or_else(|| key.to_string(), |p| p.to_string())
}

/// "2025-01 至 2025-12": the periods a book has, for messages.
pub fn periods_text(periods: &[PeriodRow]) -> String {
    match (periods.first(), periods.last()) {
        (Some(a), Some(b)) => format!("{} 至 {}", period_text(a.period), period_text(b.period)),
        _ => "无".into(),
    }
}

/// A date may be used only inside an open period of the book.
async fn check_period_open<T: Tx>(tx: &mut T, book: &Book, date: NaiveDate) -> Result<()> {
    let period = Period::of_date(date);
    let periods = tx.periods(book.id()).await?;
    match periods.iter().find(|p| p.period == period.key()) {
        Some(p) if p.status == "closed" => Err(Error::PeriodClosed { date: date.to_string(), period: period.to_string() }),
        Some(_) => Ok(()),
        None => Err(Error::NoPeriod { date: date.to_string(), open_range: periods_text(&periods) }),
    }
}

/// Takes numbers from the period's counter, which only an open period gives; when it gives
/// none, says whether the period is closed or missing.
async fn claim_numbers<T: Tx>(tx: &mut T, book: &Book, date: NaiveDate, count: i64) -> Result<i64> {
    match tx.claim_numbers(book.id(), Period::of_date(date).key(), count).await? {
        Some(last) => Ok(last),
        None => {
            check_period_open(tx, book, date).await?;
            Err(Error::PeriodClosed { date: date.to_string(), period: Period::of_date(date).to_string() })
        }
    }
}

fn line_rows(book: &Book, voucher_id: i64, input: &VoucherInput) -> Vec<LineRow> {
    input
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRow {
            voucher_id,
            line_no: i as i64 + 1,
            summary: l.summary.trim().to_string(),
            // check() has confirmed every account exists.
            account_id: book.account_id(&l.account).unwrap_or_default(),
            debit_fen: l.debit.0,
            credit_fen: l.credit.0,
            household_id: l.dimensions.household_id,
            fee_item_id: l.dimensions.fee_item_id,
            subsidy_program_id: l.dimensions.subsidy_program_id,
            service_category: l.dimensions.service_category.clone(),
            supplier_id: l.dimensions.supplier_id,
        })
        .collect()
}

pub fn input_from_rows(book: &Book, v: &VoucherRow, lines: &[LineRow]) -> VoucherInput {
    VoucherInput {
        date: v.voucher_date,
        attachments: u32::try_from(v.attachments).unwrap_or(0),
        lines: lines
            .iter()
            .map(|l| LineInput {
                summary: l.summary.clone(),
                account: book.code_of(l.account_id).to_string(),
                debit: Fen(l.debit_fen),
                credit: Fen(l.credit_fen),
                dimensions: dimensions_of(l),
            })
            .collect(),
    }
}

fn balance_deltas(period: i64, lines: &[LineRow]) -> Vec<BalanceRow> {
    let mut per_account: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for l in lines {
        let e = per_account.entry(l.account_id).or_default();
        e.0 += l.debit_fen;
        e.1 += l.credit_fen;
    }
    per_account.into_iter().map(|(account_id, (debit_fen, credit_fen))| BalanceRow { account_id, period, debit_fen, credit_fen }).collect()
}

/// Non-zero debit-minus-credit balances of profit-and-loss leaves through `last`, by code.
fn profit_and_loss_balances(book: &Book, balances: &[BalanceRow], last: Period) -> Vec<(String, i64)> {
    let mut per_account: BTreeMap<String, i64> = BTreeMap::new();
    for b in balances.iter().filter(|b| b.period <= last.key()) {
        if let Some(a) = book.account_by_id(b.account_id).filter(|a| a.class == AccountClass::ProfitAndLoss) {
            *per_account.entry(a.code.to_string()).or_default() += b.debit_fen - b.credit_fen;
        }
    }
    per_account.into_iter().filter(|(_, b)| *b != 0).collect()
}

/// Opening balances CSV: header `科目编码,借方余额,贷方余额` (or `code,debit,credit`); an
/// optional 科目名称/name column is ignored. Amounts in yuan with at most two decimals.
fn parse_opening_csv(book: &Book, text: &str) -> Result<Vec<OpeningRow>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::csv(1, "", e.to_string()))?.clone();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h));
    let code_col = column(&["科目编码", "code"]).ok_or_else(|| Error::csv(1, "科目编码", "缺少此列（或 code）"))?;
    let debit_col = column(&["借方余额", "借方", "debit"]).ok_or_else(|| Error::csv(1, "借方余额", "缺少此列（或 debit）"))?;
    let credit_col = column(&["贷方余额", "贷方", "credit"]).ok_or_else(|| Error::csv(1, "贷方余额", "缺少此列（或 credit）"))?;
    let mut per_account: BTreeMap<i64, i64> = BTreeMap::new();
    let (mut debit_total, mut credit_total) = (Fen::ZERO, Fen::ZERO);
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        if index >= MAX_IMPORT_ROWS {
            return Err(Error::csv(row, "", format!("文件最多 {MAX_IMPORT_ROWS} 行")));
        }
        let record = record.map_err(|e| Error::csv(row, "", format!("无法解析：{e}")))?;
        let code = record.get(code_col).unwrap_or("");
        let account = AccountCode::parse(code)
            .and_then(|c| book.chart.get(&c))
            .ok_or_else(|| Error::csv(row, "科目编码", format!("科目“{code}”不存在")))?;
        if !account.is_leaf {
            return Err(Error::csv(row, "科目编码", format!("科目 {code}（{}）不是末级科目，请填到其下级科目", account.name)));
        }
        let amount = |col: usize, name: &str| -> Result<Fen> {
            let text = record.get(col).unwrap_or("");
            if text.is_empty() {
                return Ok(Fen::ZERO);
            }
            let fen = Fen::parse(text).map_err(|e| Error::csv(row, name, format!("“{text}”{e}")))?;
            if fen.0 < 0 {
                return Err(Error::csv(row, name, "余额不能为负数，请填在另一方向"));
            }
            Ok(fen)
        };
        let debit = amount(debit_col, "借方余额")?;
        let credit = amount(credit_col, "贷方余额")?;
        debit_total += debit;
        credit_total += credit;
        let id = book.account_id(code).unwrap_or_default();
        *per_account.entry(id).or_default() += debit.0 - credit.0;
    }
    if debit_total != credit_total {
        return Err(Error::OpeningUnbalanced { debit: debit_total, credit: credit_total });
    }
    Ok(per_account.into_iter().filter(|(_, b)| *b != 0).map(|(account_id, balance_fen)| OpeningRow { account_id, balance_fen }).collect())
}
